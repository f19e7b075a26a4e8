/* Advice about rules that do nothing: an allow rule that deny rules
 * entirely block (dead), and one whose every packet other allow rules
 * already allow (redundant). Warnings only, each pointing with '~' at a
 * rule that makes it so; they never change the output. Runs on the model
 * before the optimizer touches it. */
#ifndef EGRESSC_LINT_H
#define EGRESSC_LINT_H

struct diags;
struct model;
struct policy;

void lint_rules(struct diags *d, const struct policy *p, const struct model *m);

#endif
