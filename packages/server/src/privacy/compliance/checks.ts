/**
 * The scoring formula, documented once:
 *
 * - An area is a list of checks. Each check earns a credit between 0 and 1: 1 when met, 0 when
 *   not, except a share check (the share of members trained), which earns that share.
 * - area score = round(100 × sum of credits / number of checks), an integer from 0 to 100.
 * - overall score = round(mean of the twelve area scores).
 *
 * Checks of three kinds, so that nothing scores by default:
 * - `check`: a fact of the configuration (a DPO email is recorded).
 * - `every`: a property of every member of a set (every purpose has a retention period). An empty
 *   set does not meet it: with nothing recorded there is nothing to be proud of.
 * - `none`: no failure in the activity (no rights request overdue). Met when nothing failed,
 *   including when nothing happened yet; each area pairing such checks also has checks of the
 *   first two kinds, so an area with nothing to assess never reaches 100.
 */
export interface Reason {
  met: boolean;
  /** A sentence: what is in place, or what to do. */
  text: string;
}

export interface Check extends Reason {
  credit: number;
}

export interface AreaAssessment {
  score: number;
  reasons: Reason[];
}

export function check(met: boolean, metText: string, todoText: string): Check {
  return { met, credit: met ? 1 : 0, text: met ? metText : todoText };
}

/** Every one of `total` things has the property, `done` of them do. */
export function every(
  done: number,
  total: number,
  text: { met: string; empty: string; partial: (missing: number) => string },
): Check {
  if (total === 0) return { met: false, credit: 0, text: text.empty };
  return check(done >= total, text.met, text.partial(total - done));
}

/** No failure among what happened: `failed` things went wrong. */
export function none(failed: number, metText: string, todoText: string): Check {
  return check(failed === 0, metText, todoText);
}

/** A check credited with the share `done / total` (0 when total is 0). */
export function share(done: number, total: number, metText: string, todoText: string): Check {
  const met = total > 0 && done >= total;
  return { met, credit: total > 0 ? Math.min(done / total, 1) : 0, text: met ? metText : todoText };
}

export function assess(checks: Check[]): AreaAssessment {
  const credit = checks.reduce((sum, c) => sum + c.credit, 0);
  return { score: Math.round((100 * credit) / checks.length), reasons: checks.map(({ met, text }) => ({ met, text })) };
}

/** "1 purpose", "2 purposes". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** "1 purpose has", "2 purposes have". */
export function countHas(n: number, singular: string, plural = `${singular}s`): string {
  return `${count(n, singular, plural)} ${n === 1 ? 'has' : 'have'}`;
}

/** "it" or "them", for `n` things. */
export function them(n: number): string {
  return n === 1 ? 'it' : 'them';
}
