// One cause for many hosts: a host's error message without what names that host.

/**
 * Why a host could not be checked or planned, with the parts that name the host taken out:
 * `user@address:port: ` prefixes, addresses, the host's name, key fingerprints, known_hosts line
 * numbers. Fifty hosts refusing connections are then one group in a report, not fifty of one.
 */
export function causeOf(reason: string, host: string): string {
  return reason
    .replace(new RegExp(`(?<![\\w.-])${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.-])`, 'g'), 'HOST')
    .replace(/[\w.+-]+@(?:\[[^\]\s]*\]|[^\s:@]+):\d+: /g, '')
    .replace(/HOST: /g, '')
    .replace(/\[[0-9a-fA-F:.]+\]:\d+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, 'ADDRESS')
    .replace(/SHA256:[A-Za-z0-9+/]+=*/g, 'SHA256:…')
    .replace(/(known_hosts):\d+/g, '$1:N')
    .replace(/-R '[^']*'/g, "-R 'ADDRESS'");
}
