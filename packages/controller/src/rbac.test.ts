import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerRoleRules } from './desired/rbac.js';
import { OPERATOR_PERMISSIONS, operatorClusterRole, operatorLeaseRole } from './rbac.js';

function allows(rules: ReadonlyArray<{ apiGroups: string[]; resources: string[]; verbs: string[] }>, group: string, resource: string, verb: string): boolean {
  return rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
}

void describe('operator RBAC', () => {
  void it('builds the ClusterRole from the one permissions table', () => {
    const role = operatorClusterRole();
    assert.equal(role.kind, 'ClusterRole');
    assert.equal(role.metadata.name, 'dataflow-operator');
    assert.equal(role.rules.length, OPERATOR_PERMISSIONS.filter((p) => p.scope === 'cluster').length);
    assert.ok(allows(role.rules, 'dataflow.dataflow.io', 'dataflows', 'watch'));
    assert.ok(allows(role.rules, 'dataflow.dataflow.io', 'dataflows/status', 'patch'));
    assert.ok(allows(role.rules, 'apps', 'deployments', 'patch'));
    assert.ok(allows(role.rules, '', 'events', 'create'));
    assert.ok(!allows(role.rules, '', 'secrets', 'create'), 'Secrets are only read');
    assert.ok(!allows(role.rules, 'coordination.k8s.io', 'leases', 'update'), 'leases only in the own namespace');
  });

  void it('grants leader election in the operator namespace only', () => {
    const role = operatorLeaseRole('dataflow-system');
    assert.equal(role.metadata.namespace, 'dataflow-system');
    assert.ok(allows(role.rules, 'coordination.k8s.io', 'leases', 'update'));
  });

  void it('holds every permission it grants to workers (RBAC escalation check)', () => {
    const operator = operatorClusterRole().rules;
    for (const rule of workerRoleRules('orders', true)) {
      for (const resource of rule.resources) {
        for (const verb of rule.verbs) assert.ok(allows(operator, rule.apiGroups[0] ?? '', resource, verb), `${resource} ${verb}`);
      }
    }
  });
});
