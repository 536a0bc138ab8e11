// The common stage of an operator e2e test: the CRD applied, a fresh namespace, the operator running
// as a process watching only that namespace, the node agent, a Kafka topic name and a PostgreSQL
// table name — all torn down after the test, whatever happened.
import type { TestContext } from 'node:test';
import { adminKubeconfigPath, createTestNamespace, deleteNamespace, requireCluster, useNodeAgent } from './cluster.js';
import type { TestCluster } from './cluster.js';
import { DataFlows } from './dataflows.js';
import { deleteTopic, query, requireKafkaAndPostgres, uniqueIdent } from './flow-services.js';
import { applyDataFlowCrd, startOperator } from './operator.js';
import type { OperatorProcess } from './operator.js';

export interface OperatorScenario {
  readonly cluster: TestCluster;
  readonly namespace: string;
  readonly operator: OperatorProcess;
  readonly flows: DataFlows;
  /** Unique names; the topic and the table are deleted after the test (create them yourself). */
  readonly names: { readonly topic: string; readonly table: string };
}

/** undefined: a service is missing and the test was skipped (outside CI; under CI it fails). */
export async function startOperatorScenario(t: TestContext, namespacePrefix: string, namePrefix: string): Promise<OperatorScenario | undefined> {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return undefined;
  if (!(await requireKafkaAndPostgres(t))) return undefined;

  const agent = await useNodeAgent(cluster);
  const names = { topic: uniqueIdent(namePrefix), table: uniqueIdent(namePrefix) };
  const state: { namespace?: string; operator?: OperatorProcess } = {};
  t.after(async () => {
    try {
      await state.operator?.stop();
      if (state.namespace !== undefined) await deleteNamespace(cluster, state.namespace, 60_000);
    } finally {
      await agent.stop();
      await deleteTopic(names.topic).catch(() => undefined);
      await query(`DROP TABLE IF EXISTS ${names.table}`).catch(() => undefined);
    }
  });

  await applyDataFlowCrd(cluster.kc, adminKubeconfigPath());
  const namespace = await createTestNamespace(cluster, namespacePrefix);
  state.namespace = namespace;
  const operator = await startOperator({ kubeconfigPath: adminKubeconfigPath(), namespaces: [namespace] });
  state.operator = operator;
  return { cluster, namespace, operator, flows: new DataFlows(cluster.kc, namespace), names };
}
