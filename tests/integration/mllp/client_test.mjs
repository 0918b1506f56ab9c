// An independent MLLP client (node-hl7-client from npm) sends ADT, ORU and MDM messages to a
// running `folio serve --mllp` and parses Folio's ACKs with its own HL7 parser.
// usage: node client_test.mjs HOST:PORT   (prints "ok - ..." lines; exit 1 on a failure)
import { Client, Message } from "node-hl7-client";

const [host, port] = process.argv[2].split(":");
const now = "20240305120000";
const tag = `N${process.pid}`;

const messages = [
  {
    name: "ADT^A01",
    want: "AA",
    text: [
      `MSH|^~\\&|NODEADT|FAC|FOLIO|HOSP|${now}||ADT^A01^ADT_A01|${tag}-1|P|2.5.1`,
      `EVN|A01|${now}`,
      `PID|1||${tag}-MRN^^^FAC^MR||Node^Nora^N||19800101|F|||12 Oak St^^Springfield^IL^62701`,
      "PV1|1|I|W2^201^B" + "|".repeat(16) + `${tag}-V^^^FAC^VN` + "|".repeat(25) + "20240305110000",
    ].join("\r"),
  },
  {
    name: "ORU^R01",
    want: "AA",
    text: [
      `MSH|^~\\&|NODELAB|FAC|FOLIO|HOSP|${now}||ORU^R01^ORU_R01|${tag}-2|P|2.5.1`,
      `PID|1||${tag}-MRN^^^FAC^MR||Node^Nora^N||19800101|F`,
      "PV1|1|I|W2^201^B" + "|".repeat(16) + `${tag}-V^^^FAC^VN`,
      `OBR|1|PL${tag}|FL${tag}|2345-7^Glucose^LN|||20240305113000`,
      "OBX|1|NM|2345-7^Glucose^LN||104|mg/dL|70-99|H|||F|||20240305113000",
    ].join("\r"),
  },
  {
    name: "MDM^T02",
    want: "AA",
    text: [
      `MSH|^~\\&|NODETX|FAC|FOLIO|HOSP|${now}||MDM^T02^MDM_T02|${tag}-3|P|2.5.1`,
      `EVN|T02|${now}`,
      `PID|1||${tag}-MRN^^^FAC^MR||Node^Nora^N||19800101|F`,
      "PV1|1|I|W2^201^B" + "|".repeat(16) + `${tag}-V^^^FAC^VN`,
      // TXA-2 type, -3 TX, -4 activity time, -12 unique document number, -17 completion AU
      "TXA|" + ["1", "11506-3^Progress note^LN", "TX", now, "", "", "", "", "", "", "",
                `${tag}-DOC`, "", "", "", "", "AU"].join("|"),
      "OBX|1|TX|11506-3^Progress note^LN||Patient seen and examined.",
    ].join("\r"),
  },
  {
    name: "ADT^A01 with a bad birth date",
    want: "AE",
    text: [
      `MSH|^~\\&|NODEADT|FAC|FOLIO|HOSP|${now}||ADT^A01^ADT_A01|${tag}-4|P|2.5.1`,
      `EVN|A01|${now}`,
      `PID|1||${tag}-MRN2^^^FAC^MR||Node^Ned||19801301|M`,
    ].join("\r"),
  },
  {
    name: "unsupported type",
    want: "AR",
    text: [`MSH|^~\\&|NODEX|FAC|FOLIO|HOSP|${now}||ZZZ^Z01|${tag}-5|P|2.5.1`, "ZZZ|1"].join("\r"),
  },
];

let failures = 0;
const ok = (c, what) => {
  console.log(`${c ? "ok" : "not ok"} - ${what}`);
  if (!c) failures++;
};

const acks = [];
let wake = null;
const client = new Client({ host, connectionTimeout: 5000, maxConnectionAttempts: 3 });
const conn = client.createConnection({ port: Number(port), waitAck: true }, async (res) => {
  acks.push(res.getMessage());
  if (wake) wake();
});

const timer = setTimeout(() => {
  console.log("not ok - timed out waiting for ACKs");
  process.exit(1);
}, 30000);

for (const m of messages) {
  const got = new Promise((r) => (wake = r));
  await conn.sendMessage(new Message({ text: m.text }));
  await got;
  const ack = acks[acks.length - 1];
  const code = ack.get("MSA.1").toString();
  const ref = ack.get("MSA.2").toString();
  ok(code === m.want, `${m.name}: MSA-1 ${code} (want ${m.want})` +
     (code !== "AA" ? ` ERR ${ack.get("ERR.3.1").toString()} ${ack.get("ERR.8").toString()}` : ""));
  ok(ref === m.text.split("\r")[0].split("|")[9], `${m.name}: MSA-2 echoes MSH-10 (${ref})`);
  ok(ack.get("MSH.9.1").toString() === "ACK", `${m.name}: MSH-9 is ACK`);
  if (m.want !== "AA") {
    const err = ack.get("ERR.3.1").toString();
    ok(/^[12]\d\d$/.test(err), `${m.name}: ERR-3 carries an HL7 0357 code (${err})`);
    ok(ack.get("ERR.8").toString().length > 0, `${m.name}: ERR-8 says why`);
  }
}
clearTimeout(timer);
await conn.close();
console.log(`${failures === 0 ? "all passed" : failures + " failed"}`);
process.exit(failures ? 1 : 0);
