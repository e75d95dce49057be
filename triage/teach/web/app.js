// The page sends the answers (and the rule text) to the local triage server and shows the HTML it
// returns. No evaluation happens here: every result comes from triage's own engine.
(function () {
  "use strict";
  const form = document.getElementById("answers");
  const editor = document.getElementById("rules-text");
  const messages = document.getElementById("messages");
  let rulesText = null; // null: the rule file the server started with
  let timer = null;
  let pending = 0;
  let redrawing = false; // removing a focused box fires `change`: that is not a person's change

  function answersFromForm() {
    const out = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "radio") { if (el.checked && el.value) out[el.name] = el.value; }
      else if (el.value.trim()) out[el.name] = el.value.trim();
    }
    return out;
  }

  function answersFromUrl() {
    const out = {};
    const bad = [];
    const hash = window.location.hash.replace(/^#/, "");
    if (!hash) return null;
    for (const part of hash.split("&")) {
      const i = part.indexOf("=");
      if (i <= 0) continue;
      try {
        out[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1));
      } catch (e) {
        bad.push(part); // a malformed escape: that part is left out, the page goes on, and says so
      }
    }
    const note = document.getElementById("link-note");
    if (note && bad.length) {
      document.body.dataset.badLink = "true";
      note.textContent = "Part of this link could not be read and was left out: " + bad.join(", ");
      note.hidden = false;
    }
    return out;
  }

  function showMessages(list, ok) {
    messages.innerHTML = "";
    for (const m of list) {
      const li = document.createElement("li");
      li.className = m.severity;
      li.textContent = (m.line ? "line " + m.line + (m.column ? ", column " + m.column : "") + ": " : "") +
        m.severity + ": " + m.message;
      li.dataset.line = m.line || "";
      messages.appendChild(li);
    }
    if (!list.length) {
      const li = document.createElement("li");
      li.textContent = "No problems found.";
      messages.appendChild(li);
    }
    document.body.dataset.rulesOk = ok ? "true" : "false";
  }

  async function update(answers, whatIf) {
    const mine = ++pending;
    document.body.dataset.busy = "true";
    const body = { answers: answers, rules: rulesText, lang: document.documentElement.lang };
    if (whatIf) body.what_if = whatIf;
    const response = await fetch("/api/state", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const data = await response.json();
    if (mine !== pending) return; // a newer change is on its way
    const focused = document.activeElement && document.activeElement.id;
    const focusedName = document.activeElement && document.activeElement.name;
    const focusedValue = document.activeElement && document.activeElement.value;
    const typing = document.activeElement && document.activeElement.type === "text" && form.contains(document.activeElement);
    const caret = typing ? document.activeElement.selectionStart : null;
    redrawing = true;
    try {
      form.innerHTML = data.questions;
    } finally {
      redrawing = false;
    }
    document.getElementById("result").innerHTML = data.result;
    document.getElementById("flowchart").innerHTML = data.flowchart;
    document.getElementById("trace").innerHTML = data.trace;
    if (data.what_if) document.getElementById("what-if").innerHTML = data.what_if;
    if (messages && rulesText !== null) showMessages(data.messages, data.rules_ok);
    // Keep the keyboard where it was: the question's controls were redrawn.
    let again = focused ? document.getElementById(focused) : null;
    if (!again && focusedName) {
      again = form.querySelector('input[name="' + CSS.escape(focusedName) + '"][value="' + CSS.escape(focusedValue || "") + '"]');
    }
    if (again) {
      // An edit typed while the request was on its way is kept, and sent in its turn.
      if (typing && again.type === "text" && again.value !== focusedValue) {
        again.value = focusedValue;
        clearTimeout(timer);
        timer = setTimeout(function () { update(answersFromForm()); }, 250);
      }
      again.focus();
      if (typing && again.type === "text") again.setSelectionRange(caret, caret); // the caret where it was
    }
    const link = document.getElementById("case-link");
    link.href = data.link;
    history.replaceState(null, "", data.link || window.location.pathname);
    document.body.dataset.disposition = data.disposition;
    document.body.dataset.busy = "false";
  }

  form.addEventListener("change", function () { if (!redrawing) update(answersFromForm()); });
  form.addEventListener("input", function (e) {
    if (e.target.type !== "text") return;
    clearTimeout(timer);
    timer = setTimeout(function () { update(answersFromForm()); }, 250);
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); update(answersFromForm()); });
  if (editor) {
    editor.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { rulesText = editor.value; update(answersFromForm()); }, 300);
    });
  }
  const go = document.getElementById("what-if-go");
  if (go) {
    go.addEventListener("click", function () {
      update(answersFromForm(), {
        question: document.getElementById("what-if-question").value,
        answer: document.getElementById("what-if-answer").value.trim(),
      });
    });
    document.getElementById("what-if-answer").addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); go.click(); }
    });
  }
  const language = document.getElementById("language");
  if (language) {
    // Another language is another page; the answers travel in the link's #fragment, so none is lost.
    // The link is made from the form as it is now: a number still being typed is not in the URL yet.
    language.addEventListener("change", function () {
      const answers = answersFromForm();
      const link = Object.keys(answers).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(answers[k]); });
      window.location.assign("?lang=" + encodeURIComponent(language.value) + (link.length ? "#" + link.join("&") : ""));
    });
  }
  window.addEventListener("hashchange", function () { update(answersFromUrl() || {}); });
  const fromUrl = answersFromUrl();
  update(fromUrl || answersFromForm());
})();
