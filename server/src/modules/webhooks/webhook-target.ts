import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';
import * as ipaddr from 'ipaddr.js';
import { WebhooksError, WebhooksErrorCode } from './webhooks.errors';

/** Where deliveries may go: `allowPrivateTargets` (development, sandbox, tests) also allows http and internal addresses. */
export interface TargetPolicy {
  allowPrivateTargets: boolean;
}

/**
 * Why an address may not be delivered to, or null when it may. Only global unicast addresses are
 * allowed: loopback, private, link-local (169.254.169.254, the cloud metadata address, is one),
 * unique-local (fd00:ec2::254 too), CGNAT, unspecified, multicast, broadcast, reserved and the
 * IPv6 ranges that carry an IPv4 address inside (mapped, 6to4, Teredo, NAT64) are all refused.
 * An IPv4-mapped IPv6 address is judged as the IPv4 address it is.
 */
export function forbiddenAddress(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${parsed.toString()} is a ${range} address`;
}

const forbidden = (message: string): InstanceType<typeof WebhooksError> =>
  new WebhooksError(WebhooksErrorCode.UrlForbidden, message);

type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

const resolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** The host of a URL as an address or a name (IPv6 literals without their brackets). */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Checks an endpoint URL as a tenant gives it: http(s) only, and under the production policy https
 * only, to a host whose every address is a public one. Throws WEBHOOK_URL_FORBIDDEN saying why.
 */
export async function checkTargetUrl(raw: string, policy: TargetPolicy, resolve = resolveAll): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw forbidden('url must be an absolute http(s) URL, such as https://example.com/webhooks.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw forbidden(`url must be an http(s) URL; ${url.protocol.slice(0, 20)} is not delivered to.`);
  }
  if (policy.allowPrivateTargets) return url;
  if (url.protocol !== 'https:') throw forbidden('url must use https.');
  const host = hostOf(url);
  const addresses = isIP(host)
    ? [host]
    : await resolve(host).then(
        (all) => all.map((a) => a.address),
        () => [] as string[],
      );
  if (addresses.length === 0) throw forbidden(`url's host ${host.slice(0, 255)} does not resolve.`);
  for (const address of addresses) {
    const why = forbiddenAddress(address);
    if (why) throw forbidden(`url's host ${host.slice(0, 255)} resolves to an internal address (${why}).`);
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) requests that refuses internal addresses: the check runs on the
 * addresses the connection is then made to, so a name that resolved to a public address at creation
 * and to an internal one now (DNS rebinding) is refused too. Literal IP hosts never reach a lookup;
 * `checkTargetAddress` covers them.
 */
export function guardedLookup(policy: TargetPolicy) {
  return (hostname: string, options: LookupAllOptions | { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      if (!policy.allowPrivateTargets) {
        for (const a of addresses) {
          const why = forbiddenAddress(a.address);
          if (why) {
            const refused: NodeJS.ErrnoException = new Error(
              `refused: ${hostname} resolves to an internal address (${why})`,
            );
            refused.code = 'EWEBHOOKFORBIDDEN';
            return callback(refused, '');
          }
        }
      }
      const [first] = addresses;
      if (options.all) return callback(null, addresses);
      if (!first) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '');
      return callback(null, first.address, first.family);
    });
  };
}

/** Why a delivery to this URL is refused before connecting (scheme, or a literal internal address), or null. */
export function checkTargetAddress(url: URL, policy: TargetPolicy): string | null {
  if (policy.allowPrivateTargets) return null;
  if (url.protocol !== 'https:') return 'refused: the endpoint URL is not https';
  const host = hostOf(url);
  if (!isIP(host)) return null;
  const why = forbiddenAddress(host);
  return why ? `refused: ${why}` : null;
}
