/**
 * Keystone v3 auth proved against a REAL Keystone (Debian's package under uwsgi on 127.0.0.1, see
 * test/support/keystone.ts), every request through omnicloud's Transport: password auth scoped to a project,
 * a domain, the system or nothing; application credentials created through the API and then used; catalog
 * lookups; refresh before expiry; transparent re-auth after a revoked token's 401; typed refusals; and no
 * password, secret or token in any log line or error.
 */
import { Readable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AuthError, InvalidInputError, NotFoundError, OmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import type { Layer } from "../../src/core/transport/types.js";
import type { KeystoneAuth, KeystoneScope } from "../../src/providers/openstack/auth-request.js";
import { keystoneErrorParser } from "../../src/providers/openstack/errors.js";
import { KeystoneTokenProvider } from "../../src/providers/openstack/keystone.js";
import { describeKeystone } from "../support/keystone.js";

const HOUR = 3_600_000;

describeKeystone("OpenStack Keystone v3 against a real Keystone", {}, (keystone) => {
  const logLines: string[] = [];
  const errors: OmnicloudError[] = [];
  /** Every secret these flows handled: passwords, application-credential secrets, every token issued. */
  const secrets = new Set<string>();
  const closers: Array<{ close(): Promise<void> }> = [];
  const wrongPassword = 'Wr0ng-pass"word\\with-quotes';
  secrets.add(wrongPassword);

  /** Records every token Keystone hands out, so the leak check can look for each one. */
  const captureTokens: Layer = (next) => async (attempt) => {
    const res = await next(attempt);
    const token = res.headers["x-subject-token"];
    if (typeof token === "string") secrets.add(token);
    return res;
  };

  const tokenTransport = (): Transport => {
    const t = new Transport({
      provider: "openstack",
      parseError: keystoneErrorParser,
      logger: (line) => logLines.push(line),
      layers: [captureTokens],
    });
    closers.push(t);
    return t;
  };

  const provider = (auth: KeystoneAuth, scope?: KeystoneScope, now?: () => number): KeystoneTokenProvider => {
    const p = new KeystoneTokenProvider({
      authUrl: keystone().url, // without /v3: the provider adds it
      auth,
      scope,
      transport: tokenTransport(),
      now,
    });
    closers.push(p);
    return p;
  };

  /** A Transport for identity API calls, authorised by `p` and re-authenticating on 401. */
  const api = (p: KeystoneTokenProvider): Transport => {
    const t = new Transport({
      provider: "openstack",
      logger: (line) => logLines.push(line),
      ...p.transportOptions(),
    });
    closers.push(t);
    return t;
  };

  /** The error a call fails with, kept for the leak check. */
  const failure = async (call: Promise<unknown> | (() => unknown)): Promise<OmnicloudError> => {
    try {
      await (typeof call === "function" ? call() : call);
    } catch (err) {
      expect(err).toBeInstanceOf(OmnicloudError);
      errors.push(err as OmnicloudError);
      return err as OmnicloudError;
    }
    throw new Error("expected the call to fail");
  };

  const tokenRequests = (): number =>
    logLines.filter((l) => l.includes(`POST ${keystone().authUrl}/auth/tokens -> 201`)).length;

  const adminAuth = (): KeystoneAuth => ({
    method: "password",
    user: { name: keystone().admin.user, domain: { name: keystone().admin.domain } },
    password: keystone().admin.password,
  });
  const adminScope = (): KeystoneScope => ({
    project: { name: keystone().admin.project, domain: { name: keystone().admin.domain } },
  });

  let admin: KeystoneTokenProvider;
  let adminApi: Transport;
  let adminUserId: string;
  let adminRoleId: string;

  beforeAll(async () => {
    secrets.add(keystone().admin.password);
    admin = provider(adminAuth(), adminScope());
    adminApi = api(admin);
    const t = await admin.token();
    adminUserId = t.user.id;
    adminRoleId = t.roles.find((r) => r.name === "admin")!.id;
  });

  afterAll(async () => {
    for (const c of closers.reverse()) await c.close();
  });

  it("authenticates with a password, scoped to a project by name or by id", async () => {
    const t = await admin.token();
    expect(t.methods).toEqual(["password"]);
    expect(t.user).toMatchObject({ name: "admin", domain: { id: "default", name: "Default" } });
    expect(t.project).toMatchObject({ name: "admin", domain: { name: "Default" } });
    expect(t.roles.map((r) => r.name)).toContain("admin");
    expect(t.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(t.catalog.map((s) => s.type)).toContain("identity");

    // The same identity by ids: user id (no domain needed) and project id.
    const byId = provider(
      { method: "password", user: { id: adminUserId }, password: keystone().admin.password },
      { project: { id: t.project!.id } },
    );
    const t2 = await byId.token();
    expect(t2.project?.id).toBe(t.project!.id);
    expect(t2.token).not.toBe(t.token);
  });

  it("scopes to a domain, to the system, or to nothing", async () => {
    // bootstrap gives admin a project role and a system role, but no domain role: grant one.
    await adminApi.send({
      method: "PUT",
      url: `${keystone().authUrl}/domains/default/users/${adminUserId}/roles/${adminRoleId}`,
    });
    const domainToken = await provider(adminAuth(), { domain: { name: "Default" } }).token();
    expect(domainToken.domain).toEqual({ id: "default", name: "Default" });
    expect(domainToken.project).toBeUndefined();

    const systemToken = await provider(adminAuth(), { system: "all" }).token();
    expect(systemToken.system).toBe(true);

    const unscoped = provider(adminAuth());
    const t = await unscoped.token();
    expect(t.project).toBeUndefined();
    expect(t.domain).toBeUndefined();
    expect(t.catalog).toEqual([]);
    const err = await failure(unscoped.endpoint({ type: "identity" }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain("scope the token to a project");
  });

  it("authenticates with an application credential created through the API, by id and by name", async () => {
    const created = await adminApi.sendJson({
      method: "POST",
      url: `${keystone().authUrl}/users/${adminUserId}/application_credentials`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ application_credential: { name: "omnicloud-ci", description: "conformance" } }),
    });
    const cred = (created.body as { application_credential: { id: string; secret: string } })
      .application_credential;
    secrets.add(cred.secret);

    const byId = provider({ method: "application_credential", id: cred.id, secret: cred.secret });
    const t = await byId.token();
    expect(t.methods).toEqual(["application_credential"]);
    expect(t.applicationCredential?.id).toBe(cred.id);
    // The credential carries the project it was created under.
    expect(t.project?.name).toBe("admin");
    expect(await byId.endpoint({ type: "identity" })).toBe(keystone().authUrl);

    const byName = provider({
      method: "application_credential",
      name: "omnicloud-ci",
      user: { name: "admin", domain: { id: "default" } },
      secret: cred.secret,
    });
    expect((await byName.token()).applicationCredential?.id).toBe(cred.id);

    // Change the START: Keystone hashes secrets with bcrypt, which ignores everything past 72 bytes, so a
    // change at the end of the 86-character secret is accepted (found by this test).
    const wrongSecret = `XXXX${cred.secret.slice(4)}`;
    secrets.add(wrongSecret);
    const err = await failure(
      provider({ method: "application_credential", id: cred.id, secret: wrongSecret }).token(),
    );
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain(`application credential ${cred.id}`);
    expect(err.status).toBe(401);

    // A scope with an application credential is refused before any request.
    const scoped = await failure(() =>
      provider({ method: "application_credential", id: cred.id, secret: cred.secret }, adminScope()),
    );
    expect(scoped).toBeInstanceOf(InvalidInputError);
  });

  it("finds endpoints in the catalog by type, region and interface, and explains a miss", async () => {
    // A second service in two regions, through the API, so the selection has something to choose from.
    await adminApi.send({
      method: "POST",
      url: `${keystone().authUrl}/regions`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ region: { id: "RegionTwo" } }),
    });
    const svc = await adminApi.sendJson({
      method: "POST",
      url: `${keystone().authUrl}/services`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ service: { type: "image", name: "glance", enabled: true } }),
    });
    const serviceId = (svc.body as { service: { id: string } }).service.id;
    for (const [iface, region] of [
      ["public", "RegionOne"],
      ["internal", "RegionOne"],
      ["public", "RegionTwo"],
    ] as const) {
      await adminApi.send({
        method: "POST",
        url: `${keystone().authUrl}/endpoints`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          endpoint: {
            service_id: serviceId,
            interface: iface,
            region_id: region,
            url: `http://127.0.0.1:9/image/${region}/${iface}`,
          },
        }),
      });
    }
    // A new token: the catalog is a snapshot taken when the token was issued.
    const p = provider(adminAuth(), adminScope());
    expect(await p.endpoint({ type: "identity", region: "RegionOne", interface: "internal" })).toBe(
      keystone().authUrl,
    );
    expect(await p.endpoint({ type: "identity" })).toBe(keystone().authUrl);
    expect(await p.endpoint({ type: "image", region: "RegionTwo" })).toBe(
      "http://127.0.0.1:9/image/RegionTwo/public",
    );
    expect(await p.endpoint({ type: "image", region: "RegionOne", interface: "internal" })).toBe(
      "http://127.0.0.1:9/image/RegionOne/internal",
    );

    const missing = await failure(p.endpoint({ type: "compute", region: "RegionOne" }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toContain("No service of type compute");
    expect(missing.message).toContain("identity (keystone)");
    expect(missing.message).toContain("image (glance)");

    const noAdmin = await failure(p.endpoint({ type: "image", region: "RegionOne", interface: "admin" }));
    expect(noAdmin).toBeInstanceOf(NotFoundError);
    expect(noAdmin.message).toContain("public, internal");

    const ambiguous = await failure(p.endpoint({ type: "image" }));
    expect(ambiguous).toBeInstanceOf(InvalidInputError);
    expect(ambiguous.message).toContain("RegionOne, RegionTwo");

    const typo = await failure(p.endpoint({ type: "image", region: "RegionTow" }));
    expect(typo).toBeInstanceOf(NotFoundError);
    expect(typo.message).toContain('Did you mean "RegionTwo"');
  });

  it("refreshes the token before it expires, with one request for a burst", async () => {
    let skewMs = 0;
    const p = provider(adminAuth(), adminScope(), () => Date.now() + skewMs);
    const before = tokenRequests();
    const first = await p.token();
    expect((await p.token()).token).toBe(first.token);
    expect(tokenRequests()).toBe(before + 1);

    // Keystone's default lifetime is an hour: an hour later by the client's clock the token is due.
    skewMs = HOUR;
    const burst = await Promise.all(Array.from({ length: 5 }, () => p.token()));
    expect(new Set(burst.map((t) => t.token)).size).toBe(1);
    expect(burst[0]!.token).not.toBe(first.token);
    expect(tokenRequests()).toBe(before + 2);
  });

  it("re-authenticates transparently after the token is revoked (401), POST bodies included", async () => {
    const p = provider(adminAuth(), adminScope());
    const calls = api(p);
    const userUrl = `${keystone().authUrl}/users/${adminUserId}`;
    await calls.sendJson({ method: "GET", url: userUrl });
    const revoked = (await p.token()).token;

    // Revoked behind the provider's back, as an operator or a password change would.
    await adminApi.send({
      method: "DELETE",
      url: `${keystone().authUrl}/auth/tokens`,
      headers: { "x-subject-token": revoked },
    });
    const bare = new Transport({ provider: "openstack", parseError: keystoneErrorParser });
    closers.push(bare);
    const refused = await failure(
      bare.send({ method: "GET", url: userUrl, headers: { "x-auth-token": revoked } }),
    );
    expect(refused).toBeInstanceOf(AuthError);

    const before = tokenRequests();
    const res = await calls.sendJson({ method: "GET", url: userUrl });
    expect((res.body as { user: { id: string } }).user.id).toBe(adminUserId);
    const renewed = (await p.token()).token;
    expect(renewed).not.toBe(revoked);
    expect(tokenRequests()).toBe(before + 1);
    expect(logLines.filter((l) => l.includes(`GET ${userUrl} -> 401`)).length).toBeGreaterThanOrEqual(1);

    // A POST with a string body is sent again with the new token, and acts once.
    await adminApi.send({
      method: "DELETE",
      url: `${keystone().authUrl}/auth/tokens`,
      headers: { "x-subject-token": renewed },
    });
    const created = await calls.sendJson({
      method: "POST",
      url: `${keystone().authUrl}/regions`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ region: { id: "RegionThree" } }),
    });
    expect(created.status).toBe(201);

    // A one-shot stream body cannot be sent twice: the 401 comes back, saying why.
    await adminApi.send({
      method: "DELETE",
      url: `${keystone().authUrl}/auth/tokens`,
      headers: { "x-subject-token": (await p.token()).token },
    });
    const oneShot = await failure(
      calls.send({
        method: "POST",
        url: `${keystone().authUrl}/regions`,
        headers: { "content-type": "application/json" },
        body: Readable.from([Buffer.from(JSON.stringify({ region: { id: "RegionFour" } }))]),
      }),
    );
    expect(oneShot).toBeInstanceOf(AuthError);
    expect(oneShot.message).toContain("one-shot stream");
    // The refused token was dropped all the same, so the next call starts with a new one.
    expect((await calls.sendJson({ method: "GET", url: userUrl })).status).toBe(200);
  });

  it("refuses a wrong password with an AuthError naming the user and URL, never the password", async () => {
    const wrong: KeystoneAuth = {
      method: "password",
      user: { name: "admin", domain: { name: "Default" } },
      password: wrongPassword,
    };
    const err = await failure(provider(wrong).token());
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('user "admin"');
    expect(err.message).toContain(keystone().authUrl);
    expect(err.status).toBe(401);
    expect(err.message).not.toContain(wrongPassword);

    // Scoped, Keystone's 401 does not say whether the password or the project is wrong; we find out.
    const scoped = await failure(provider(wrong, adminScope()).token());
    expect(scoped).toBeInstanceOf(AuthError);
    expect(scoped.message).toContain("the credentials are wrong");
  });

  it("reports an unknown project as NotFoundError, listing the projects the user can use", async () => {
    const err = await failure(
      provider(adminAuth(), { project: { name: "no-such-project", domain: { name: "Default" } } }).token(),
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain('project "no-such-project"');
    expect(err.message).toContain("(admin)");
    expect(err.cause).toBeInstanceOf(AuthError);

    const byId = await failure(provider(adminAuth(), { project: { id: "0123456789abcdef" } }).token());
    expect(byId).toBeInstanceOf(NotFoundError);
  });

  it("leaks no password, secret or token into log lines or errors", () => {
    expect(logLines.length).toBeGreaterThan(10);
    expect(errors.length).toBeGreaterThan(5);
    expect(secrets.size).toBeGreaterThan(10);
    const texts = [...logLines];
    for (const err of errors) {
      for (let e: unknown = err; e instanceof Error; e = e.cause) {
        texts.push(e.message, JSON.stringify(e), (e as OmnicloudError).bodyExcerpt ?? "");
      }
    }
    for (const secret of secrets) {
      for (const text of texts) expect(text.includes(secret), `a secret leaked into: ${text}`).toBe(false);
    }
  });
});
