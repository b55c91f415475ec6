/**
 * UPDATE messages (RFC 2136): the zone section names the zone, prerequisites say what must hold for the
 * update to apply, and the update section adds and deletes. The server applies a message all or nothing
 * (RFC 2136 3.7), so one message per batch makes a batch atomic.
 */
import { randomInt } from "node:crypto";
import type { AnyRecordData } from "../../dns/types.js";
import { CLASS_ANY, CLASS_IN, CLASS_NONE, OPCODE_UPDATE, TYPE_CODES, type WireType } from "./constants.js";
import { encodeRdata } from "./rdata-wire.js";
import { type DnsMessage, flagsFor, type ResourceRecord } from "./wire.js";

const EMPTY = Buffer.alloc(0);

/** RFC 2136 2.5.1: add a record to a set (class IN, with its TTL and data). */
export function addRecord(fqdn: string, type: WireType, ttl: number, data: AnyRecordData): ResourceRecord {
  return { name: fqdn, type: TYPE_CODES[type], class: CLASS_IN, ttl, rdata: encodeRdata(type, data) };
}

/** RFC 2136 2.5.2: delete a whole set (class ANY, no data). */
export function deleteSet(fqdn: string, type: WireType): ResourceRecord {
  return { name: fqdn, type: TYPE_CODES[type], class: CLASS_ANY, ttl: 0, rdata: EMPTY };
}

/** RFC 2136 2.5.4: delete one record from a set (class NONE, with its data). */
export function deleteRecord(fqdn: string, type: WireType, data: AnyRecordData): ResourceRecord {
  return { name: fqdn, type: TYPE_CODES[type], class: CLASS_NONE, ttl: 0, rdata: encodeRdata(type, data) };
}

/** RFC 2136 2.4.2: the set exists with exactly these values (class IN, TTL 0). */
export function setIsExactly(
  fqdn: string,
  type: WireType,
  values: readonly AnyRecordData[],
): ResourceRecord[] {
  return values.map((v) => ({
    name: fqdn,
    type: TYPE_CODES[type],
    class: CLASS_IN,
    ttl: 0,
    rdata: encodeRdata(type, v),
  }));
}

/** RFC 2136 2.4.1: the set exists, whatever it holds (class ANY). */
export function setExists(fqdn: string, type: WireType): ResourceRecord {
  return { name: fqdn, type: TYPE_CODES[type], class: CLASS_ANY, ttl: 0, rdata: EMPTY };
}

/** RFC 2136 2.4.3: no such set (class NONE). */
export function setAbsent(fqdn: string, type: WireType): ResourceRecord {
  return { name: fqdn, type: TYPE_CODES[type], class: CLASS_NONE, ttl: 0, rdata: EMPTY };
}

export function updateMessage(
  zone: string,
  prerequisites: readonly ResourceRecord[],
  updates: readonly ResourceRecord[],
): DnsMessage {
  return {
    id: randomInt(0, 0x10000),
    flags: flagsFor(OPCODE_UPDATE),
    question: [{ name: zone, type: TYPE_CODES.SOA, class: CLASS_IN }],
    answer: [...prerequisites],
    authority: [...updates],
    additional: [],
  };
}
