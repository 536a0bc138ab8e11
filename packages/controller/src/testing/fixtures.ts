// DataFlow specs and objects used by the controller's unit tests.
import { API_VERSION, KIND, applyDefaults, validateSpec } from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';
import type { FlowRef } from '../desired/common.js';
import type { DataFlowObject } from '../reconcile/dataflow.js';

export const NAMESPACE = 'shop';

/** Kafka (credentials from Secret kafka-creds) → PostgreSQL (connection string from Secret pg-creds). */
export function kafkaToPostgresSpec(): DataFlowSpec {
  return {
    source: {
      type: 'kafka',
      config: {
        brokers: ['kafka:9092'],
        topic: 'orders',
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: {
          mechanism: 'scram-sha-512',
          usernameSecretRef: { name: 'kafka-creds', key: 'username' },
          passwordSecretRef: { name: 'kafka-creds', key: 'password' },
        },
      },
    },
    sink: { type: 'postgresql', config: { connectionStringSecretRef: { name: 'pg-creds', key: 'url' }, table: 'orders' } },
  } as unknown as DataFlowSpec;
}

/** A polling source (PostgreSQL) with no Secrets. */
export function postgresToStdoutSpec(): DataFlowSpec {
  return {
    source: { type: 'postgresql', config: { connectionString: 'postgres://u@db:5432/app', table: 'events', changeTrackingColumn: 'updated_at', orderByColumn: 'id' } },
    sink: { type: 'stdout', config: {} },
  } as unknown as DataFlowSpec;
}

export function flowObject(name: string, spec: DataFlowSpec): DataFlowObject {
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: NAMESPACE }, spec };
}

export function flowRef(name = 'orders'): FlowRef {
  return { namespace: NAMESPACE, name, uid: 'uid-orders' };
}

/** What the reconcile hands the builders: the validated spec with defaults applied. */
export function effectiveSpec(spec: DataFlowSpec, name = 'orders'): DataFlowSpec {
  const result = validateSpec(spec, { namespace: NAMESPACE });
  if (!result.ok) throw new Error(`fixture spec is invalid: ${JSON.stringify(result.issues)}`);
  return applyDefaults(result.spec, { namespace: NAMESPACE, name });
}
