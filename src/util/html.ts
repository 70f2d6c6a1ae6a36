/** Text for HTML and Markdown tables (job summaries): secrets redacted, markup and table pipes escaped. */
import { redact } from './redact.js';

export function escapeHtml(text: string): string {
  return redact(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\|/g, '&#124;');
}
