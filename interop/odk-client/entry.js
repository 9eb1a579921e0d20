// Laydown's harness around ODK Web Forms (@getodk/web-forms, ODK's own form engine, from npm):
// it behaves as an OpenRosa client does. It reads the server's formList, downloads the form and
// its media (manifest), renders it, and on submit sends the engine's own instance payload (a
// FormData with xml_submission_file and the attachments) to the server's /submission, after the
// HEAD request the Form Submission API asks for. What happened is kept in window.laydownOdk for
// the test that drives the page (laydown/openrosa/tests/test_odk_client.py).
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin } from '@getodk/web-forms';

const OPENROSA = { 'X-OpenRosa-Version': '1.0' };
const state = { phase: 'loading', error: null, formList: null, form: null, submissions: [] };
window.laydownOdk = state;

function xml(text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error('not XML: ' + text.slice(0, 200));
  return doc;
}

function child(el, name) {
  for (const c of el.children) if (c.localName === name) return c.textContent.trim();
  return null;
}

async function get(url) {
  const response = await fetch(url, { headers: OPENROSA, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response;
}

async function manifestOf(url) {
  // filename -> downloadUrl (Form Overview API, namespace .../xformsManifest)
  const media = new Map();
  if (!url) return media;
  const doc = xml(await (await get(url)).text());
  for (const file of doc.getElementsByTagNameNS('http://openrosa.org/xforms/xformsManifest', 'mediaFile')) {
    media.set(child(file, 'filename'), child(file, 'downloadUrl'));
  }
  return media;
}

async function submit(url, payload) {
  const record = {
    url, status: payload.status, violations: null, head: null, post: null, body: null, files: [],
    encryptionKey: payload.submissionMeta ? payload.submissionMeta.encryptionKey : null,
  };
  state.submissions.push(record);
  if (payload.status !== 'ready') {
    record.violations = (payload.violations || []).map((v) => String(v.reference || v.fileName || v));
    return;
  }
  const data = payload.data[0];
  for (const [name, file] of data.entries()) record.files.push({ name, type: file.type, size: file.size });
  record.instance = await data.get('xml_submission_file').text();
  const head = await fetch(url, { method: 'HEAD', headers: OPENROSA, credentials: 'same-origin' });
  record.head = { status: head.status, acceptLength: head.headers.get('X-OpenRosa-Accept-Content-Length') };
  await post(url, data, record);
  // Collect resends a submission whose answer it did not get: the test does the same.
  window.laydownOdkResend = async () => {
    const again = { status: 'resent', files: record.files, instance: record.instance, post: null, body: null };
    state.submissions.push(again);
    await post(url, data, again);
    return again;
  };
}

async function post(url, data, record) {
  const response = await fetch(url, { method: 'POST', body: data, headers: OPENROSA, credentials: 'same-origin' });
  // the body first: the tests wait for `post` to be set and then read `body`
  record.body = await response.text();
  record.post = response.status;
}

async function main() {
  const params = new URLSearchParams(location.search);
  const formListUrl = params.get('formList') || '/formList';
  const formId = params.get('formId');
  const doc = xml(await (await get(formListUrl)).text());
  const forms = [...doc.getElementsByTagNameNS('http://openrosa.org/xforms/xformsList', 'xform')].map((x) => ({
    formID: child(x, 'formID'),
    version: child(x, 'version'),
    hash: child(x, 'hash'),
    downloadUrl: child(x, 'downloadUrl'),
    manifestUrl: child(x, 'manifestUrl'),
  }));
  state.formList = forms;
  const form = forms.find((f) => f.formID === formId);
  if (!form) throw new Error(`form ${formId} is not in the formList (${forms.map((f) => f.formID)})`);
  state.form = form;
  const formXml = await (await get(form.downloadUrl)).text();
  const media = await manifestOf(form.manifestUrl);
  // As Collect: the server's base URL (where formList is) + 'submission', unless the form
  // names its own (<submission action>, read by the engine).
  const serverSubmission = new URL('submission', new URL(formListUrl, location.href)).href;
  const fetchFormAttachment = (resource) => {
    const name = String(resource.href || resource).split('/').pop();
    if (!media.has(name)) return Promise.resolve(new Response('', { status: 404 }));
    return fetch(media.get(name), { headers: OPENROSA, credentials: 'same-origin' });
  };
  const app = createApp({
    render: () =>
      h(OdkWebForm, {
        formXml,
        fetchFormAttachment,
        missingResourceBehavior: 'BLANK',
        onSubmit: (payload, callback) => {
          const action = payload.submissionMeta && payload.submissionMeta.submissionAction;
          submit(action ? String(action) : serverSubmission, payload).then(
            () => callback(),
            (error) => { state.error = String(error); callback(); },
          );
        },
      }),
  });
  app.use(webFormsPlugin);
  app.mount('#app');
  state.phase = 'ready';
}

main().catch((error) => {
  state.phase = 'failed';
  state.error = String(error && error.stack ? error.stack : error);
});
