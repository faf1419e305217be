/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_REASONS_H
#define KIMB_REASONS_H

/* Why a plan does what it does with an image, and how the report says it: one row a reason, the
 * only place a reason is declared (plan.h makes the enum of it, report.c its words). A new reason is
 * a row here and the rule of plan.c that gives it.
 *
 * X(NAME, TOKEN, TEXT, DRY_RUN_ONLY, IN_USE):
 *   TOKEN         the reason in the JSON report
 *   TEXT          what the report says of the image: for one removed, "removed ID (TEXT)"; for one
 *                 untagged, "untagged NAME (TEXT)"; for one kept, "kept ID (NAMES): TEXT". In it
 *                 {names} are the image's names, {builder} the builder's, {related} the ID of the
 *                 image the decision names beside it and {related_names} its names, {containers}
 *                 how many containers the listing says use it, {workload} the workload whose pod
 *                 template names it ("Deployment apps/web"), {tag} the NAME:TAG a --protect
 *                 {pattern} matches
 *   DRY_RUN_ONLY  an image kept for it is named only by a dry run: every run keeps such images,
 *                 and a dry run is what a user checks them with
 *   IN_USE        counted as kept in use in the summary */
#define KIMB_REASONS(X) \
	X(REPLACED, "replaced", "{names}", false, false) \
	X(INTERMEDIATE, "intermediate", "an intermediate image of {related}'s build", false, false) \
	X(SHARED, "shared", "the image is shared with another repository", false, false) \
	X(EARLIER_TAG, "earlier_tag", "an earlier unique tag kimb issued for the image that stays", false, false) \
	X(NEW, "new", "the image just built", true, false) \
	X(LATEST, "latest", "latest points to it", true, false) \
	X(RECENT, "keep", "one of the --keep most recent", true, false) \
	X(PROTECTED, "protected", "{tag} matches --protect={pattern}", false, false) \
	X(KEEP_WITHIN, "keep_within", "younger than --keep-within", true, false) \
	X(AGE_UNKNOWN, "age_unknown", \
	  "its age cannot be told (no creation time, no record of its build, no time tag): --keep-within keeps it", \
	  false, false) \
	X(NOT_ATTRIBUTABLE, "not_attributable", "nothing proves kimb built it for this repository", true, false) \
	X(IN_USE, "in_use", "in use by a container or pod", false, true) \
	X(IN_USE_BY_CONTAINERS, "in_use", "in use by {containers} container(s)", false, true) \
	X(NAMED_BY_WORKLOAD, "named_by_workload", "{workload}'s pod template names it", false, true) \
	X(BASE_WOULD_GO, "base_would_go", \
	  "{builder} would also remove {related} ({related_names}), the untagged image it was built from", false, false) \
	X(BASE_UNKNOWN, "base_unknown", \
	  "{builder} would also remove the image it was built from if it is untagged, and which image that is " \
	  "cannot be told", \
	  false, false) \
	X(USE_UNKNOWN, "use_unknown", "{builder} could not inspect it, so whether a pod uses it cannot be told", false, \
	  false) \
	X(HAS_CHILDREN, "has_children", "another image is built on it, and {builder} keeps the images others are built on", \
	  false, false) \
	X(CHILD_STAYS, "child_stays", "an intermediate image of {related}'s build, which could not be removed", false, \
	  false)

#define KIMB_REASON_ENUM(name, token, text, dry_run_only, in_use) REASON_##name,
enum reason { KIMB_REASONS(KIMB_REASON_ENUM) REASON_COUNT };
#undef KIMB_REASON_ENUM

#endif
