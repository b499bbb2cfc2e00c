<?php
// Drive the real PHPMailer (Debian package libphp-phpmailer) through one capture scenario at SMTPDebug LEVEL.
// usage: php phpmailer_capture.php AUTOLOAD HOST PORT SCENARIO LEVEL CAFILE
// Valid sessions use PHPMailer::send(); sessions broken on purpose call PHPMailer's SMTP class directly, so
// every line is still written by PHPMailer's own debug output.
[, $autoload, $host, $port, $scenario, $level, $cafile] = $argv;
require $autoload;
use PHPMailer\PHPMailer\PHPMailer;
use PHPMailer\PHPMailer\SMTP;
const FROM = 'canary@example.com';
const TO = 'inbox@example.com';
const REFUSED = 'bounce@example.com';

if ($scenario === 'ok' || $scenario === 'refused-recipient') {
    $mail = new PHPMailer(false);
    $mail->isSMTP();
    [$mail->Host, $mail->Port, $mail->SMTPAutoTLS, $mail->SMTPDebug] = [$host, (int)$port, false, (int)$level];
    $mail->setFrom(FROM);
    $mail->addAddress(TO);
    if ($scenario === 'refused-recipient') {
        $mail->addAddress(REFUSED);
    }
    $mail->Subject = 'capture';
    $mail->Body = "body line\nsecond line";
    $mail->send();
    exit(0);
}
/** PHPMailer's SMTP class with its reply reader opened: PHPMailer never pipelines, a careless client does. */
class CaptureSMTP extends SMTP
{
    public function reply(): void
    {
        $this->edebug('SERVER -> CLIENT: ' . $this->get_lines(), self::DEBUG_SERVER);
    }
}

$smtp = new CaptureSMTP();
$smtp->do_debug = (int)$level;
$smtp->connect($host, (int)$port, 10, ['ssl' => ['cafile' => $cafile, 'peer_name' => '127.0.0.1']]);
if ($scenario !== 'mail-before-ehlo') {
    $smtp->hello('capture.test');
}
switch ($scenario) {
    case 'data-before-rcpt':
        $smtp->mail(FROM);
        $smtp->data("Subject: capture\r\n\r\nbody line");
        break;
    case 'rcpt-before-mail':
        $smtp->recipient(TO);
        break;
    case 'mail-before-ehlo':
        $smtp->mail(FROM);
        break;
    case 'pipelining-not-advertised':
        $smtp->client_send('MAIL FROM:<' . FROM . ">\r\nRCPT TO:<" . TO . ">\r\n", 'MAIL FROM');
        $smtp->reply();
        $smtp->reply();
        break;
    case 'auth-before-tls':
        $smtp->authenticate('canary', 'capture-lab-secret', 'PLAIN');
        break;
    case 'no-ehlo-after-starttls':
        $smtp->startTLS();
        $smtp->mail(FROM);
        break;
}
$smtp->quit();
$smtp->close();
