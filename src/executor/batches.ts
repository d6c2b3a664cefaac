// Ansible's `serial` arithmetic, reproduced exactly (ansible executor/playbook_executor.py
// `_get_serialized_batches` and utils/helpers.py `pct_to_int`):
// - an item "N%" is int((N / 100.0) * play_hosts) — float maths, truncated — or 1 when that is 0;
// - any other item is int(item) (no floor of 1: 0 or less means "all the remaining hosts");
// - items are used in order and the last one repeats until every host is placed;
// - an empty serial is one batch of every host; the last batch holds the remainder.

export type SerialItem = number | string;

const INT = /^\s*[+-]?\d+\s*$/;

/** Python's int() over one serial item; throws on what Ansible would reject. */
function pyInt(value: string, item: SerialItem): number {
  if (!INT.test(value)) throw new Error(`serial: expected a whole number or "N%", found ${JSON.stringify(item)}`);
  return Number.parseInt(value, 10);
}

/** Ansible's pct_to_int(value, num_items, min_value=1). */
export function pctToInt(item: SerialItem, numItems: number, minValue = 1): number {
  if (typeof item === 'string' && item.endsWith('%')) {
    const pct = pyInt(item.slice(0, -1), item);
    // `|| minValue` also turns -0 into minValue, as Python's `or` does with 0.
    return Math.trunc((pct / 100.0) * numItems) || minValue;
  }
  if (typeof item === 'number') {
    if (!Number.isFinite(item)) throw new Error(`serial: expected a whole number or "N%", found ${item}`);
    return Math.trunc(item);
  }
  return pyInt(item, item);
}

/**
 * Batch sizes for `total` hosts. Percentages are of `pctBase` hosts (the play's host count;
 * it differs from `total` when a canary stage already took some hosts).
 */
export function computeBatches(total: number, serial: readonly SerialItem[], pctBase: number = total): number[] {
  const items = serial.length > 0 ? serial : [-1];
  const sizes: number[] = [];
  let left = total;
  let cur = 0;
  while (left > 0) {
    const size = pctToInt(items[cur], pctBase);
    if (size <= 0) {
      sizes.push(left);
      break;
    }
    const take = Math.min(size, left);
    sizes.push(take);
    left -= take;
    cur = Math.min(cur + 1, items.length - 1);
  }
  return sizes;
}

/** Cut an ordered host list into consecutive batches of the given sizes (views, no copies kept). */
export function* sliceBatches<T>(hosts: readonly T[], sizes: readonly number[]): Generator<T[]> {
  let at = 0;
  for (const size of sizes) {
    yield hosts.slice(at, at + size);
    at += size;
  }
}
