/**
 * Draws text as a QR code for a terminal, with the `qrcode` package: two
 * modules a character (Unicode half blocks), dark on a light background set
 * by ANSI colours, with a quiet zone, so that a phone can scan it from a
 * dark or a light terminal.
 */

/**
 * The QR code of `text`, as lines ending in `\n`. Error correction level M
 * (15%), what Outline and shadowsocks-android use for ss:// URIs.
 */
export async function renderQr(text: string): Promise<string> {
  // Loaded here, not at start: only --share/--qr draw codes (issue 18, idle RSS).
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}
