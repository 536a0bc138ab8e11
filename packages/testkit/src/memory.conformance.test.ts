// The reference connectors pass their own conformance suites.
import { RecordError } from '@dataflow/worker';
import { MemorySink } from './memory-sink.js';
import { MemorySource } from './memory-source.js';
import { makeMessage, numberedMessages } from './messages.js';
import { sinkConformance } from './sink-conformance.js';
import { sourceConformance } from './source-conformance.js';

sourceConformance(
  'memory (finite, two interleaved partitions)',
  () => ({
    source: new MemorySource({
      messages: Array.from({ length: 10 }, (_, i) => makeMessage({ i }, { partition: `p${i % 2}`, offset: 100 + i })),
    }),
  }),
  { finite: true, expected: 10, rejectsUndeliveredAck: true },
);

sourceConformance(
  'memory (unbounded)',
  () => ({ source: new MemorySource({ messages: numberedMessages(10), finite: false }) }),
  { finite: false, expected: 10, rejectsUndeliveredAck: true },
);

sinkConformance(
  'memory',
  () => {
    const sink = new MemorySink({
      rejectRecord: (m) => (typeof m.value === 'object' && m.value !== null && 'bad' in m.value ? new RecordError('bad record') : undefined),
    });
    return { sink, written: () => Promise.resolve(sink.values()) };
  },
  { rejectable: { bad: true } },
);
