// Drive the real Nodemailer (logger: true, debug: true) through one capture scenario; its log goes to stdout.
// usage: node nodemailer_capture.js NODEMAILER_DIR HOST PORT SCENARIO
// Valid sessions use the public sendMail API; sessions broken on purpose use SMTPConnection's own command
// writer (_sendCommand), so every line is still logged by Nodemailer itself.
const path = require("path");
const [dir, host, port, scenario] = process.argv.slice(2);
const nodemailer = require(dir);
const SMTPConnection = require(path.join(dir, "dist/cjs/smtp-connection/index.js"));
const FROM = "canary@example.com", TO = "inbox@example.com", REFUSED = "bounce@example.com";
const options = {host, port: Number(port), secure: false, ignoreTLS: true, logger: true, debug: true};

function command(conn, text) {
    return new Promise(resolve => { conn._responseActions.push(resolve); conn._sendCommand(text); });
}

async function broken(conn) {
    if (scenario === "data-before-rcpt") {
        await command(conn, `MAIL FROM:<${FROM}>`);
        await command(conn, "DATA");
    } else if (scenario === "rcpt-before-mail") {
        await command(conn, `RCPT TO:<${TO}>`);
    } else if (scenario === "pipelining-not-advertised") {
        await Promise.all([command(conn, `MAIL FROM:<${FROM}>`), command(conn, `RCPT TO:<${TO}>`)]);
    } else if (scenario === "auth-before-tls") {
        await new Promise(resolve => conn.login({user: "canary", pass: "capture-lab-secret"}, resolve));
    }
    await command(conn, "QUIT");
    conn.close();
}

if (scenario === "ok" || scenario === "refused-recipient") {
    const to = scenario === "ok" ? [TO] : [TO, REFUSED];
    nodemailer.createTransport(options)
        .sendMail({from: FROM, to, subject: "capture", text: "body line\nsecond line"})
        .catch(err => console.error("send failed:", err.message));
} else {
    const conn = new SMTPConnection(options);
    conn.on("error", err => console.error("connection error:", err.message));
    conn.connect(() => broken(conn));
}
