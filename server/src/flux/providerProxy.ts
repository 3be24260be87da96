// notification-controller 1.7 (Flux 2.7) deprecated a Provider's `spec.proxy` for
// `spec.proxySecretRef`: a Secret whose `address` key holds the proxy URL (optional `username` and
// `password` keys), to be removed in the Provider v1 API. Pure: a document's text in, the Provider
// without `proxy` and the Secret that replaces it out.

import { isMap, isScalar, parseDocument, stringify } from 'yaml';
import { keepLeadingComments } from './yamlObjects';

export interface ProxyMove {
  /** The Provider document, then a `---` and the new Secret. */
  text: string;
  secretName: string;
}

/**
 * Moves a Provider's `spec.proxy` into a new Secret `<provider>-proxy` (key `address`) named by
 * `spec.proxySecretRef`, written as a second document after the Provider (in its namespace).
 * The Secret is plain `stringData`: the comment above it says to encrypt it before committing when
 * the address carries credentials. Undefined when the text is not a Provider with a `proxy`, or
 * already has a `proxySecretRef` (which of the two wins is not something to guess).
 */
export function moveProxyToSecret(text: string): ProxyMove | undefined {
  let doc;
  try {
    doc = parseDocument(text, { keepSourceTokens: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length || !isMap(doc.contents)) return undefined;
  const apiVersion = doc.get('apiVersion');
  if (
    doc.get('kind') !== 'Provider' ||
    typeof apiVersion !== 'string' ||
    !apiVersion.startsWith('notification.toolkit.fluxcd.io/')
  )
    return undefined;
  const proxy = doc.getIn(['spec', 'proxy'], true);
  if (!isScalar(proxy) || typeof proxy.value !== 'string' || doc.hasIn(['spec', 'proxySecretRef']))
    return undefined;
  const name = doc.getIn(['metadata', 'name']);
  const namespace = doc.getIn(['metadata', 'namespace']);
  if (typeof name !== 'string' || !name) return undefined;
  const secretName = `${name}-proxy`;
  doc.deleteIn(['spec', 'proxy']);
  doc.setIn(['spec', 'proxySecretRef'], doc.createNode({ name: secretName }));
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, ...(typeof namespace === 'string' ? { namespace } : {}) },
    stringData: { address: proxy.value },
  };
  const provider = keepLeadingComments(text, doc.toString({ lineWidth: 0 }));
  const body = provider.endsWith('\n') ? provider : `${provider}\n`;
  return {
    secretName,
    text:
      `${body}---\n# The proxy of Provider ${name} (spec.proxySecretRef; notification-controller reads the key\n` +
      `# "address", and optional "username" and "password"). Encrypt it (SOPS) before committing if the\n` +
      `# address holds credentials.\n${stringify(secret, { lineWidth: 0 })}`,
  };
}
