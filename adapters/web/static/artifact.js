// The one enhancement of the workspace's forms: the SHA-256 of an
// artifact, computed in the browser from a file chosen on this device.
// The file input has no name, so the file is never sent with the form;
// only the digest and the type fill the form's fields. Without
// JavaScript (or without WebCrypto, outside a secure context) the file
// input stays hidden and the digest is typed in.

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

for (const wrap of document.querySelectorAll('[data-sha256-file]')) {
  const input = wrap.querySelector('input[type=file]');
  const target = document.getElementById(input.dataset.sha256Target);
  const type = document.getElementById(input.dataset.typeTarget);
  const status = wrap.parentElement.querySelector('[data-sha256-status]');
  if (!input || !target || !globalThis.crypto || !crypto.subtle) continue;
  wrap.hidden = false;
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    if (status) status.textContent = 'Computing the SHA-256 of ' + file.name + '…';
    try {
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      target.value = hex(digest);
      if (type && !type.value && file.type) type.value = file.type;
      if (status) status.textContent = 'SHA-256 of ' + file.name + ' filled in: ' + target.value + '.';
    } catch (err) {
      if (status) status.textContent = 'The SHA-256 could not be computed here (' + err.message + '); type it in instead.';
    }
  });
}
