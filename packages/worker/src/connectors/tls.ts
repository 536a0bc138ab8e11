// TLS settings (upstream-reference.md §1.3 TLSConfig) turned into Node TLS options, shared by the Kafka
// brokers, the Schema Registry client and Trino (with its Keycloak). Minimum TLS 1.2. Without a CA the system trust
// store verifies the server; `insecureSkipVerify` turns verification off and cannot be combined
// with a CA (upstream silently ignored the flag then; the api rejects the combination, so do we).
import type { ConnectionOptions } from 'node:tls';
import type { SecretReader } from '../plugin.js';
import type { Section } from './config-section.js';

export interface TlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly insecureSkipVerify: boolean;
}

/** Reads the CA, client certificate and key named by a `tls` section (files or Secrets). */
export async function loadTls(tls: Section, secrets: SecretReader): Promise<TlsMaterial> {
  const insecureSkipVerify = tls.optionalBoolean('insecureSkipVerify', false);
  const ca = await tls.fileOrSecret('ca', secrets);
  const cert = await tls.fileOrSecret('cert', secrets);
  const key = await tls.fileOrSecret('key', secrets);
  if (insecureSkipVerify && ca !== undefined) {
    throw tls.fail('insecureSkipVerify', 'cannot be combined with a CA (caFile or caSecretRef): remove one of them');
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw tls.fail(cert === undefined ? 'certFile' : 'keyFile', 'a client certificate needs its private key: set both certFile/certSecretRef and keyFile/keySecretRef');
  }
  return {
    insecureSkipVerify,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

export function tlsConnectionOptions(material: TlsMaterial): ConnectionOptions {
  return {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: !material.insecureSkipVerify,
    ...(material.ca === undefined ? {} : { ca: [material.ca] }),
    ...(material.cert === undefined ? {} : { cert: material.cert }),
    ...(material.key === undefined ? {} : { key: material.key }),
  };
}
