/**
 * A seed for one named random stream of a run: each policy, and each bootstrap, draws from its own
 * stream, so adding a policy to a run changes no other's results.
 */
export function streamSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let index = 0; index < name.length; index++) {
    hash = Math.imul(hash ^ name.charCodeAt(index), 0x01000193);
  }
  return (hash ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
}
