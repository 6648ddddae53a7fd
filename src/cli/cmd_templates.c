/* templates: the table of config_template.c as people and scripts read it:
 * each template's name, what it is for, the keys it sets for a [remote]
 * and for a [route] (a key the section gives itself wins), and the keys it
 * leaves to the section, which must give them. */
#include "cli.h"

int cmd_templates_parse(struct cli *cli, int argc, char **argv, struct cmd_opts *o)
{
	return cli_flag_opts("templates", argc, argv, cli, "json", &o->json);
}

/* The keys K of KIND ("[remote]" or "[route]") as lines: each one the
 * template sets with its value, then those it needs on one line. */
static void print_keys(const char *kind, const struct template_key *k)
{
	const char *label = kind;
	for (const struct template_key *p = k; p->key; p++) {
		if (!p->value)
			continue;
		printf("  %-9s %-7s %s = %s\n", label, label == kind ? "sets" : "", p->key,
		       p->value);
		label = "";
	}
	const char *sep = "";
	for (const struct template_key *p = k; p->key; p++) {
		if (p->value)
			continue;
		if (!*sep)
			printf("  %-9s %-7s ", label, "needs");
		printf("%s%s", sep, p->key);
		sep = ", ";
		label = "";
	}
	if (*sep)
		putchar('\n');
}

/* KIND's keys as {"sets":{KEY:VALUE,...},"requires":[KEY,...]}. */
static json_t *json_keys(const struct template_key *k)
{
	json_t *o = kjson_object(), *sets = kjson_object(), *requires = kjson_array();
	for (const struct template_key *p = k; p->key; p++) {
		if (p->value)
			kjson_put(sets, p->key, kjson_text(p->value));
		else
			kjson_add(requires, kjson_text(p->key));
	}
	kjson_put(o, "sets", sets);
	kjson_put(o, "requires", requires);
	return o;
}

static int templates_json(void)
{
	json_t *a = kjson_array();
	for (size_t i = 0; i < config_ntemplates; i++) {
		const struct template_def *t = &config_templates[i];
		json_t *o = kjson_object();
		kjson_put(o, "name", kjson_text(t->name));
		kjson_put(o, "description", kjson_text(t->what));
		kjson_put(o, "remote", json_keys(t->remote));
		kjson_put(o, "route", json_keys(t->route));
		kjson_add(a, o);
	}
	int rc = cli_json_print(a, "\n");
	json_decref(a);
	return rc;
}

int cmd_templates_run(struct app *a, struct cmd_opts *o)
{
	(void)a;
	if (o->json)
		return templates_json() == 0 ? EX_OK : EX_IOERR;
	for (size_t i = 0; i < config_ntemplates; i++) {
		const struct template_def *t = &config_templates[i];
		printf("%s%s\n  %s\n", i ? "\n" : "", t->name, t->what);
		print_keys("[remote]", t->remote);
		print_keys("[route]", t->route);
	}
	return EX_OK;
}
