/**
 * The physical shape of the DynamoDB state table, shared by the CDK construct that creates it and the
 * DynamoDB StateStore adapter that reads and writes it.
 *
 * @module
 */

/** Attribute names of the state table. */
export const STATE_TABLE_SCHEMA = {
  /** Partition key (String): the StateStore item key. The table has no sort key. */
  partitionKey: 'pk',
  /** TTL attribute (Number): expiry in epoch **seconds**, as DynamoDB TTL requires. */
  ttlAttribute: 'ttl',
} as const;
