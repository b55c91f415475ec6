/**
 * What the rfc2136 provider must show on a real server beyond the portable suite: refusals of unsigned
 * and wrongly signed requests as typed errors (with the server's words in the code), every TSIG
 * algorithm working end to end, a zone transfer of many messages checked MAC by MAC, and answers too big
 * for UDP fetched again over TCP. Shared by the BIND and Knot test files.
 */

import type { expect as vitestExpect } from "vitest";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { OmnicloudError } from "../../src/core/errors.js";
import type { Dns } from "../../src/dns/dns.js";
import { asDriverSet } from "../../src/dns/driver.js";
import type { RecordInput, RecordType } from "../../src/dns/types.js";
import type { Rfc2136Driver } from "../../src/providers/rfc2136/dns.js";
import type { RunningServer } from "../support/bind.js";
import type { DnsAnswer } from "../support/dns-query.js";
import type { TestKey } from "../support/tsig-keys.js";

/** Every DNS type of the model; ALIAS is no DNS type, so no RFC 2136 server has it. */
export const RFC2136_TYPES: ReadonlySet<RecordType> = new Set<RecordType>([
  "A",
  "AAAA",
  "CNAME",
  "NS",
  "PTR",
  "MX",
  "TXT",
  "SPF",
  "SRV",
  "CAA",
  "SSHFP",
  "TLSA",
  "NAPTR",
  "DS",
]);

/** ALIAS is a provider feature (PowerDNS, Route 53), not a DNS type: UPDATE cannot carry it. */
export const RFC2136_SKIP_REASONS: Partial<Record<RecordType, string>> = {
  ALIAS: "ALIAS is no DNS type, so RFC 2136 UPDATE cannot carry it and BIND and Knot have none",
};

type KeyText = TestKey;

export interface ExtraOptions {
  name: string;
  server: RunningServer;
  open: (key: KeyText | undefined) => Dns;
  unsignedRcode: string;
  unsignedError: new (...args: never[]) => OmnicloudError;
  badSecretError: new (...args: never[]) => OmnicloudError;
  query: (fqdn: string, type: Exclude<RecordType, "ALIAS">) => Promise<DnsAnswer>;
  expect: typeof vitestExpect;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function failure(attempt: Promise<unknown>): Promise<OmnicloudError> {
  return attempt.then(
    () => {
      throw new Error("was accepted");
    },
    (err: unknown) => err as OmnicloudError,
  );
}

export function rfc2136ExtraTests(o: ExtraOptions): void {
  const { expect } = o;
  describe(`rfc2136 on ${o.name}: TSIG, refusals, transfers`, () => {
    const zone = `rfc-${process.pid}-${Date.now().toString(36)}.test.`;
    const main = o.server.keys[0]!;
    let dns: Dns;

    beforeAll(async () => {
      dns = o.open(main);
      await dns.createZone(zone, { nameservers: ["ns1.example.test."] });
    });
    afterAll(async () => {
      await dns?.deleteZone(zone).catch(() => {});
    });

    const aSet = (label: string, address: string) =>
      asDriverSet({ fqdn: `${label}.${zone}`, type: "A", ttl: 300, values: [{ address }] });

    it(`refuses an unsigned UPDATE with ${o.unsignedRcode}, as a typed error, and changes nothing`, async () => {
      const unsigned = o.open(undefined).as<Rfc2136Driver>("rfc2136");
      const err = await failure(
        unsigned.changeRecordSets(zone, [{ action: "replace", set: aSet("unsigned", "192.0.2.1") }]),
      );
      expect(err).toBeInstanceOf(o.unsignedError);
      expect(err.code).toBe(o.unsignedRcode);
      expect(err.message).toMatch(/unsigned request/);
      expect((await o.query(`unsigned.${zone}`, "A")).answers).toEqual([]);
    });

    it("refuses a wrong secret as an AuthError carrying the TSIG error, for UPDATE and AXFR", async () => {
      const wrong = { ...main, secret: Buffer.alloc(32, 7).toString("base64") };
      const driver = o.open(wrong).as<Rfc2136Driver>("rfc2136");
      const update = await failure(
        driver.changeRecordSets(zone, [{ action: "replace", set: aSet("badsig", "192.0.2.2") }]),
      );
      expect(update).toBeInstanceOf(o.badSecretError);
      expect(update.code).toBe("NOTAUTH/BADSIG");
      const transfer = await failure(collect(driver.listRecordSets(zone, {})));
      expect(transfer).toBeInstanceOf(o.badSecretError);
      expect(transfer.code).toBe("NOTAUTH/BADSIG");
      expect((await o.query(`badsig.${zone}`, "A")).answers).toEqual([]);
    });

    it("refuses an unknown key name as an AuthError (BADKEY)", async () => {
      const driver = o.open({ ...main, name: "no-such-key" }).as<Rfc2136Driver>("rfc2136");
      const err = await failure(
        driver.changeRecordSets(zone, [{ action: "replace", set: aSet("badkey", "192.0.2.3") }]),
      );
      expect(err).toBeInstanceOf(o.badSecretError);
      expect(err.code).toBe("NOTAUTH/BADKEY");
    });

    for (const key of o.server.keys) {
      it(`signs with ${key.algorithm}: UPDATE, the server's MACs and a signed AXFR all verify`, async () => {
        const keyed = o.open(key);
        const label = `alg-${key.algorithm}`;
        const record = await keyed.createRecord(zone, {
          name: label,
          type: "A",
          ttl: 120,
          data: { address: "192.0.2.44" },
        });
        const served = await o.query(`${label}.${zone}`, "A");
        expect(served.answers.map((r) => r.data)).toEqual([{ address: "192.0.2.44" }]);
        expect(await collect(keyed.listRecords(zone, { name: label }))).toEqual([record]);
        await keyed.deleteRecord(zone, record.id);
        expect((await o.query(`${label}.${zone}`, "A")).answers).toEqual([]);
      });
    }

    it("transfers a zone of many messages (each MAC chained on the last) and reads big answers over TCP", async () => {
      // About 300 kB of TXT: far over one 64 KiB TCP message, so the server splits the transfer.
      const records: RecordInput[] = [];
      for (let i = 0; i < 600; i++) {
        records.push({ name: `bulk${i}`, type: "TXT", ttl: 300, data: { text: `${i} ${"z".repeat(480)}` } });
      }
      for (let i = 0; i < 20; i++) {
        records.push({ name: "big", type: "TXT", ttl: 300, data: { text: `${i} ${"y".repeat(200)}` } });
      }
      const plan = await dns.applyZone({ name: zone, records }, { prune: false });
      expect(plan.summary.create).toBe(601);
      const listed = await collect(dns.listRecordSets(zone, { type: "TXT" }));
      expect(listed.filter((s) => s.name.startsWith("bulk"))).toHaveLength(600);
      // 20 strings of 200+ bytes cannot fit in 512 bytes of UDP: the server sets TC, the client asks over TCP.
      const driver = dns.as<Rfc2136Driver>("rfc2136");
      const { msg } = await driver.client.query(`big.${zone}`, "TXT");
      expect(msg.answer).toHaveLength(20);
      expect((await o.query(`bulk599.${zone}`, "TXT")).answers).toHaveLength(1);
    });

    it("names a missing zone NotFound rather than a refusal", async () => {
      const missing = `missing-${zone}`;
      const err = await failure(collect(dns.listRecordSets(missing)));
      expect(err.kind).toBe("NotFound");
      const update = await failure(
        dns.as<Rfc2136Driver>("rfc2136").changeRecordSets(missing, [
          {
            action: "replace",
            set: asDriverSet({
              fqdn: `x.${missing}`,
              type: "A",
              ttl: 60,
              values: [{ address: "192.0.2.9" }],
            }),
          },
        ]),
      );
      expect(update.kind).toBe("NotFound");
    });
  });
}
