// How many records a topic holds (the sum of its partitions' high-water marks minus low ones), for
// tests that wait until a Kafka sink wrote everything.
import kafkajs from 'kafkajs';
import { services } from './kafka-helpers.js';

const { Kafka, logLevel } = kafkajs;

export async function topicSize(topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'dataflow-tests', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  } finally {
    await admin.disconnect();
  }
}
