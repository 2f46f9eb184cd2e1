import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { AwsClient } from "aws4fetch";
import { createConvoyClient, uploadProof, type ConvoyClient } from "@convoy/client";
import { demoLogin } from "@convoy/db";
import type { RunningServer } from "../src";
import { prepareDatabase } from "../src";
import { createTestDatabase, startTestServer } from "./support/harness";
import { addUsers } from "./support/offerFixtures";
import { loadAtDropoff, solidPng } from "./support/proofFixtures";
import { checkSignature, startS3StandIn, type S3StandIn } from "./support/s3StandIn";

const credentials = { accessKeyId: "CONVOYTESTKEY", secretAccessKey: "convoy-test-secret-0123456789abcdef", region: "eu-central-1" };

describe("the S3 stand-in itself", () => {
  it("computes AWS's documented example signature (GET Object, Signature V4) and refuses the same request changed", () => {
    const request = {
      method: "GET",
      headers: {
        host: "examplebucket.s3.amazonaws.com",
        range: "bytes=0-9",
        "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "x-amz-date": "20130524T000000Z",
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
      },
    };
    const example = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1" };
    const at = Date.parse("2013-05-24T00:00:00Z");
    expect(checkSignature(request, new URL("http://examplebucket.s3.amazonaws.com/test.txt"), Buffer.alloc(0), example, at)).toBeNull();
    const otherRange = { ...request, headers: { ...request.headers, range: "bytes=0-99" } };
    expect(checkSignature(otherRange, new URL("http://examplebucket.s3.amazonaws.com/test.txt"), Buffer.alloc(0), example, at)).toMatchObject({
      code: "SignatureDoesNotMatch",
    });
    expect(checkSignature(request, new URL("http://examplebucket.s3.amazonaws.com/other.txt"), Buffer.alloc(0), example, at)?.code).toBe(
      "SignatureDoesNotMatch",
    );
    expect(checkSignature(request, new URL("http://examplebucket.s3.amazonaws.com/test.txt"), Buffer.alloc(0), example, at + 20 * 60_000)?.code).toBe(
      "RequestTimeTooSkewed",
    );
  });
});

describe("proof files in an S3-compatible bucket", () => {
  let store: S3StandIn;
  let server: RunningServer;
  let wrongKeyServer: RunningServer;
  const clients: ConvoyClient[] = [];
  const dropDatabases: (() => Promise<void>)[] = [];

  async function serverWith(secretAccessKey: string): Promise<RunningServer> {
    const database = await createTestDatabase();
    dropDatabases.push(database.drop);
    const { handle } = await prepareDatabase(database.url, { seed: true });
    return startTestServer(handle, { storage: { kind: "s3", url: store.url, ...credentials, secretAccessKey } });
  }

  /** A signed-in client of `running`, in the shape the fixtures take. */
  async function login(running: RunningServer, email: string, password: string) {
    const anonymous = createConvoyClient({ url: running.url, WebSocket });
    clients.push(anonymous);
    const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
    const client = createConvoyClient({ url: running.url, token, WebSocket });
    clients.push(client);
    return Object.assign(client, { token, refreshToken: "", userId: user.id });
  }

  /** Just enough of the harness's `TestServer` for the fixtures. */
  function harnessOf(running: RunningServer) {
    const db = running.services.db;
    return {
      url: running.url,
      db,
      login: (email: string, password: string) => login(running, email, password),
    } as unknown as Parameters<typeof loadAtDropoff>[0];
  }

  beforeAll(async () => {
    store = await startS3StandIn("convoy-proofs", credentials);
    server = await serverWith(credentials.secretAccessKey);
    wrongKeyServer = await serverWith("not-the-secret-at-all-0000000000");
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await server.shutdown();
    await wrongKeyServer.shutdown();
    await store.close();
    for (const drop of dropDatabases) await drop();
  });

  it("stores an upload in the bucket with its sniffed type, through signed requests, and serves it back from there", async () => {
    const t = harnessOf(server);
    const { email, password } = demoLogin("dispatcher");
    const dispatcher = await login(server, email, password);
    const [driver] = await addUsers(t, "driver", 1);
    const tripId = await loadAtDropoff(t, dispatcher, driver!);

    const photoBytes = solidPng(20, 10);
    const photo = await uploadProof({ url: server.url, token: driver!.token, tripId, kind: "photo", body: photoBytes });
    const signature = await uploadProof({ url: server.url, token: driver!.token, tripId, kind: "signature", body: solidPng(8, 4, [0, 0, 0]) });
    expect([...store.objects.keys()]).toEqual([
      expect.stringMatching(new RegExp(`^proofs/${tripId}/photo-[0-9a-f]{32}\\.png$`)),
      expect.stringMatching(/signature-/),
    ]);
    const [storedPhoto] = [...store.objects.values()];
    expect(storedPhoto!.contentType).toBe("image/png");
    expect(storedPhoto!.body.equals(photoBytes)).toBe(true);

    await driver!.api.proofs.submit.mutate({ tripId, recipientName: "Rosa", photoFileId: photo.fileId, signatureFileId: signature.fileId });
    const links = await dispatcher.api.proofs.forTrip.query({ tripId });
    const response = await fetch(`${server.url}${links.proof!.photo.url}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await response.arrayBuffer()).equals(photoBytes)).toBe(true);
    expect(store.requests.map(({ method, status }) => `${method} ${status}`)).toEqual(["PUT 200", "PUT 200", "GET 200"]);
    expect(store.requests.every((request) => request.payloadSigned)).toBe(true);
  });

  it("is refused by the bucket when Convoy signs with the wrong secret: the upload fails as unavailable and nothing is stored", async () => {
    const t = harnessOf(wrongKeyServer);
    const { email, password } = demoLogin("dispatcher");
    const dispatcher = await login(wrongKeyServer, email, password);
    const [driver] = await addUsers(t, "driver", 1);
    const tripId = await loadAtDropoff(t, dispatcher, driver!);
    const before = store.objects.size;
    const refused: unknown = await uploadProof({ url: wrongKeyServer.url, token: driver!.token, tripId, kind: "photo", body: solidPng(2, 2) }).catch(
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({
      status: 503,
      code: "SERVICE_UNAVAILABLE",
      message: "The image could not be stored right now; try again in a moment",
    });
    expect(store.requests.at(-1)).toMatchObject({ method: "PUT", status: 403, error: "SignatureDoesNotMatch" });
    expect(store.objects.size).toBe(before);
  });

  it("refuses requests that are unsigned or whose body is not the one signed", async () => {
    const unsigned = await fetch(`${store.url}/proofs/1/x.png`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain("<Code>AccessDenied</Code>");
    const client = new AwsClient({ ...credentials, service: "s3" });
    const hash = createHash("sha256").update("signed body").digest("hex");
    const signed = await client.sign(`${store.url}/proofs/1/x.png`, {
      method: "PUT",
      body: "signed body",
      headers: { "x-amz-content-sha256": hash },
    });
    const honest = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: "signed body" });
    expect(honest.status).toBe(200);
    const swapped = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: "other body" });
    expect(swapped.status).toBe(400);
    expect(await swapped.text()).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
  });
});
