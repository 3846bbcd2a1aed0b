/** What the page is filtered by, and who hears when that changes. */

/** The filters a select element chooses, by the name in its id (`filter-<name>`). */
export const SELECT_FILTERS = ['environment', 'tag', 'format', 'runtime', 'verdict'] as const;
export type SelectFilter = (typeof SELECT_FILTERS)[number];

/** Every filter's current value; '' (or false) filters nothing. */
export interface FilterState extends Record<SelectFilter, string> {
  /** Lower-case text a case id must contain. */
  search: string;
  /** Show only checks that changed since the previous run. */
  changesOnly: boolean;
}

/** The filter state with its listeners: a section reads `state` and updates itself in a listener. */
export interface Filters {
  readonly state: Readonly<FilterState>;
  /** Call `listener` after every change (and on `notify`). */
  listen(listener: (state: Readonly<FilterState>) => void): void;
  set<Name extends keyof FilterState>(name: Name, value: FilterState[Name]): void;
  clear(): void;
  notify(): void;
}

function clearedState(): FilterState {
  return { environment: '', tag: '', format: '', runtime: '', verdict: '', search: '', changesOnly: false };
}

/** Filters with nothing chosen and no listener yet. */
export function createFilters(): Filters {
  const state = clearedState();
  const listeners: ((state: Readonly<FilterState>) => void)[] = [];
  const notify = () => {
    for (const listener of listeners) listener(state);
  };
  return {
    state,
    listen: (listener) => {
      listeners.push(listener);
    },
    set: (name, value) => {
      state[name] = value;
      notify();
    },
    clear: () => {
      Object.assign(state, clearedState());
      notify();
    },
    notify,
  };
}
