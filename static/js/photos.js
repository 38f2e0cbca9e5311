// Friction point form: downscale photos on the phone, then upload each one with its
// own progress bar. The server still normalises every photo (old phones send
// originals). Without JavaScript the form posts the files as they are.

import { downscale } from "./downscale.js";

function upload(url, file, csrfToken, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      resolve({ ok: xhr.status === 201 && body && body.id, status: xhr.status, body });
    });
    xhr.addEventListener("error", () => resolve({ ok: false, status: 0, body: null }));
    const data = new FormData();
    data.append("photo", file, file.name);
    xhr.send(data);
  });
}

function row(list, name) {
  const item = document.createElement("li");
  item.className = "upload";
  const label = document.createElement("span");
  label.className = "upload__name";
  label.textContent = name;
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  const state = document.createElement("span");
  state.className = "upload__state";
  item.append(label, bar, state);
  list.append(item);
  return { item, bar, state };
}

const form = document.querySelector("form[data-photo-upload]");
if (form) {
  const list = form.querySelector(".uploads");
  const inputs = [...form.querySelectorAll("input[type=file][name=photo_files]")];
  form.addEventListener("change", (event) => {
    if (!inputs.includes(event.target)) return;
    list.replaceChildren();
    inputs.flatMap((input) => [...input.files]).forEach((file) => row(list, file.name));
  });
  form.addEventListener("submit", async (event) => {
    const files = inputs.flatMap((input) => [...input.files]);
    if (!files.length || !window.fetch) return; // plain post
    event.preventDefault();
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    const fields = new FormData(form);
    fields.delete("photo_files");
    const response = await fetch(form.action || window.location.href, {
      method: "POST", body: fields, headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).catch(() => null);
    const body = response && response.headers.get("Content-Type")?.includes("json")
      ? await response.json() : null;
    if (!response || !response.ok || !body || !body.photos_url) {
      submit.disabled = false;
      form.submit(); // let the server show its answer (validation errors) as a page
      return;
    }
    list.replaceChildren();
    let failed = 0;
    for (const file of files) {
      const view = row(list, file.name);
      view.state.textContent = list.dataset.uploading;
      const small = await downscale(file);
      const result = await upload(body.photos_url, small, fields.get("csrf_token"),
        (share) => { view.bar.value = share; });
      view.bar.value = 1;
      view.state.textContent = result.ok
        ? list.dataset.done
        : `${list.dataset.error}: ${result.body?.message || result.status}`;
      view.item.classList.add(result.ok ? "is-done" : "is-failed");
      if (!result.ok) failed += 1;
    }
    if (!failed) window.location.assign(body.next);
    else {
      const link = document.createElement("a");
      link.href = body.next;
      link.className = "btn btn--primary btn--block";
      link.textContent = "→";
      list.after(link);
    }
  });
}
