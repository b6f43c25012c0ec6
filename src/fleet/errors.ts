/** What goes wrong with the fleet's database, as the CLI tells it apart (cli/common.ts fleetExit). */

/** The database cannot be reached, for now (down, restarting, too many connections): try again later. */
export class FleetUnavailable extends Error {}

/** The database refuses (a bad password, no such database, a schema newer than this ccost's). */
export class FleetRefused extends Error {}
