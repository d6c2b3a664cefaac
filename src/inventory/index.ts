// The inventory room: Ansible-compatible sources → Inventory, merged vars, host patterns,
// ansible-inventory's --list/--graph output, and connection settings per host.
export type { Group, Inventory, VarsLayer } from './types.js';
export { loadInventory, resolveSourcePath, type LoadOptions } from './load.js';
export { hostVars, groupsOf, hostMagicVars, groupVars, isImplicitLocalhost, LOCALHOST_NAMES, UnknownHostError } from './vars.js';
export { selectHosts, splitHostPattern, PatternError, type PatternOptions } from './patterns.js';
export { inventoryListJson, inventoryGraph, type GraphOptions } from './output.js';
export { hostConn, HostVarError } from './connection.js';
export { expandHostPattern, expandHostnameRange } from './ranges.js';
