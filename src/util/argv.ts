/**
 * An option's value read from a raw command line, before commander parses it: the replay check
 * (ledger/report-cache.ts) decides from the arguments alone, without loading the program.
 */
export function optionValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag && i + 1 < argv.length) return argv[i + 1]!;
    if (argv[i]!.startsWith(`${flag}=`)) return argv[i]!.slice(flag.length + 1);
  }
  return undefined;
}
