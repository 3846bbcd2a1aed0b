/** What the page is filtered by, and who hears when that changes. */

/** The filters a select element chooses, by the name in its id (`filter-<name>`). */
export const SELECT_FILTERS = ['environment', 'tag', 'format', 'runtime', 'verdict'] as const;
export type SelectFilter = (typeof SELECT_FILTERS)[number];

export interface FilterState extends Record<SelectFilter, string> {
  /** Lower-case text a case id must contain. */
  search: string;
  /** Show only checks that changed since the previous run. */
  changesOnly: boolean;
}

/** The filter state with its listeners: a section reads `state` and re-renders in a listener. */
export class Filters {
  readonly state: FilterState = Filters.cleared();
  readonly #listeners: ((state: Readonly<FilterState>) => void)[] = [];

  static cleared(): FilterState {
    return { environment: '', tag: '', format: '', runtime: '', verdict: '', search: '', changesOnly: false };
  }

  /** Call `listener` after every change (and on {@link notify}). */
  listen(listener: (state: Readonly<FilterState>) => void): void {
    this.#listeners.push(listener);
  }

  set<Name extends keyof FilterState>(name: Name, value: FilterState[Name]): void {
    this.state[name] = value;
    this.notify();
  }

  clear(): void {
    Object.assign(this.state, Filters.cleared());
    this.notify();
  }

  notify(): void {
    for (const listener of this.#listeners) listener(this.state);
  }
}
