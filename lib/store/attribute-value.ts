import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Decodes a raw DynamoDB item (as found in `CancellationReasons[].Item`, which the document
 * client does not translate) into plain values. Numbers become JavaScript numbers, as the
 * document client's default does; sets and binaries never occur in this table.
 */
export function decodeItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) decoded[name] = decodeValue(value);
  return decoded;
}

function decodeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return decodeItem(value.M);
  if (value.L !== undefined) return value.L.map(decodeValue);
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(Number));
  throw new TypeError(`unsupported DynamoDB attribute value: ${Object.keys(value).join(', ')}`);
}
