/** "i/n" (1-based) into { index, count }. */
export function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) throw new Error(`shard must look like "i/n" (for example "2/4"), got ${JSON.stringify(value)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`shard ${value}: need 1 <= i <= n`);
  return { index, count };
}
