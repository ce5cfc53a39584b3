/* Gatehouse: the charter editor saves each section as the person types.
 *
 * templates/charters/partials/section.html gives each section's form
 * hx-trigger="input changed delay:800ms, change, submit": htmx posts the section a moment after
 * the typing stops and swaps in what the server answers (the section, saved or with its errors,
 * plus the meter and the outline out of band). This file does what htmx alone does not:
 *
 * - says "Saving…" in the section's status while a save is on its way;
 * - keeps what was typed while that save was on its way (the answer only knows what was sent)
 *   and sends it next;
 * - after a Save click that was refused, puts the focus on the first field with an error, and
 *   after one that saved, back on the Save button (not on <body>);
 * - after a save that got no usable answer (no network, a 5xx, a 403…) says so in the section;
 *   htmx swaps nothing then (templates/base.html), so the text stays where it was typed, and
 *   drafts.js keeps its local copy;
 * - marks in the outline every section that shows errors, not only the one just refused;
 * - reads the outcome out once, through #charter-announcer (the section's own status is
 *   replaced with the section, which screen readers do not reliably announce).
 *
 * Without JavaScript each section still has its Save button and the server does the rest.
 */
(function () {
  "use strict";

  var sent = {}; // section id -> {values, submitted}: what the save on its way carries
  var typed = {}; // section id -> values on the page just before its answer was swapped in

  function autosaveForm(elt) {
    return elt && elt.matches && elt.matches("form[data-autosave]") ? elt : null;
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.id && el.name && el.name !== "csrfmiddlewaretoken" &&
        el.type !== "submit" && el.type !== "button" && el.type !== "hidden";
    });
  }

  function valueOf(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked ? "on" : "";
    if (el.multiple) {
      return Array.prototype.filter
        .call(el.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; })
        .join("\n");
    }
    return el.value;
  }

  function setValue(el, value) {
    if (el.type === "checkbox" || el.type === "radio") {
      el.checked = value === "on";
    } else if (el.multiple) {
      var chosen = value.split("\n");
      Array.prototype.forEach.call(el.options, function (o) {
        o.selected = chosen.indexOf(o.value) !== -1;
      });
    } else {
      el.value = value;
    }
  }

  function values(form) {
    var out = {};
    fields(form).forEach(function (el) { out[el.id] = valueOf(el); });
    return out;
  }

  function sectionOf(elt) {
    return elt && elt.closest ? elt.closest(".charter-section") : null;
  }

  function titleOf(section) {
    var heading = section.querySelector("h2");
    var number = heading && heading.querySelector(".section-number");
    var text = heading ? heading.textContent : "";
    return (number ? text.replace(number.textContent, "") : text).trim();
  }

  function status(section) {
    return section.querySelector("[data-section-status]");
  }

  function say(section, text, kind) {
    var host = status(section);
    if (!host) return;
    host.textContent = "";
    var note = document.createElement("span");
    if (kind === "failed") {
      note.className = "alert alert-error";
      note.setAttribute("role", "alert");
      note.setAttribute("data-save-failed", "");
    } else {
      note.className = "muted";
    }
    note.textContent = text;
    host.appendChild(note);
  }

  function announce(text) {
    var announcer = document.getElementById("charter-announcer");
    if (!announcer) return;
    announcer.textContent = "";
    // A fresh text node after a pause, so the same words twice are read twice.
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function syncOutline() {
    Array.prototype.forEach.call(document.querySelectorAll(".outline-item"), function (item) {
      var section = document.getElementById(item.getAttribute("data-section"));
      if (!section || !section.querySelector(".errorlist, .alert-error:not([data-save-failed])")) {
        return;
      }
      item.setAttribute("data-state", "errors");
      var label = item.querySelector("[data-outline-label]");
      if (label) label.textContent = ", has errors";
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = autosaveForm(event.detail.elt);
    var section = sectionOf(form);
    if (!section) return;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    sent[section.id] = {
      values: values(form),
      submitted: !!(trigger && trigger.type === "submit"),
      trigger: trigger,
    };
    say(section, "Saving…");
  });

  // A Save click while a save is on its way: htmx queues it behind that save on the form the
  // answer replaces, which drops it. Send it again from the new form once the answer is in.
  document.addEventListener("submit", function (event) {
    var section = sectionOf(autosaveForm(event.target));
    var onItsWay = section && sent[section.id];
    // htmx (listening on the form) has already sent a save for this very submit if it could.
    if (onItsWay && onItsWay.trigger !== event) onItsWay.submitAgain = true;
  });

  // htmx fires beforeSwap on the target (the section), so the form is the request's.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = autosaveForm(event.detail.requestConfig && event.detail.requestConfig.elt);
    var section = sectionOf(form);
    if (!section || !event.detail.shouldSwap) return;
    typed[section.id] = values(form);
  });

  // Fired on each element swapped in: the section, and the meter and outline out of band.
  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.target && event.target.id;
    if (!id || !(id in typed)) return; // not a section's answer
    var before = typed[id];
    var request = sent[id] || { values: {}, submitted: false };
    delete typed[id];
    delete sent[id];
    var section = document.getElementById(id);
    var form = section && section.querySelector("form[data-autosave]");
    if (!form) return;

    // Typed while the save was on its way: put it back and save it too.
    var changed = null;
    fields(form).forEach(function (el) {
      if (!(el.id in before) || before[el.id] === request.values[el.id]) return;
      if (valueOf(el) === before[el.id]) return;
      var focused = document.activeElement === el;
      var start = focused && "selectionStart" in el ? el.selectionStart : null;
      var end = focused && "selectionEnd" in el ? el.selectionEnd : null;
      setValue(el, before[el.id]);
      if (start !== null) {
        try { el.setSelectionRange(start, end); } catch (e) { /* not a text field */ }
      }
      changed = changed || el;
    });
    if (request.submitAgain && changed) {
      form.requestSubmit();
      return; // its own answer says how it went
    }
    if (request.submitAgain) request.submitted = true; // this answer is the click's answer

    if (changed) changed.dispatchEvent(new Event("input", { bubbles: true }));

    var refused = !!section.querySelector(".errorlist, .alert-error");
    var state = status(section);
    if (refused) {
      var count = section.querySelectorAll(".errorlist li, .alert-error li").length;
      announce(titleOf(section) + " not saved: " + (count > 1 ? count + " problems" : "a problem") +
        " to fix, marked next to the fields.");
    } else if (state && state.textContent.trim()) {
      announce(titleOf(section) + " " + state.textContent.replace(/\s+/g, " ").trim().toLowerCase() + ".");
    }

    if (request.submitted) {
      var first = section.querySelector("[aria-invalid='true']");
      var button = form.querySelector("button[type='submit']");
      if (refused && first) {
        first.focus();
      } else if (button && (document.activeElement === document.body || !document.activeElement)) {
        button.focus();
      }
    }
    syncOutline();
  });

  function failed(event, text) {
    var form = autosaveForm(event.detail.elt);
    var section = sectionOf(form);
    if (!section || !section.isConnected) return;
    delete sent[section.id];
    say(section, text, "failed");
    announce(titleOf(section) + ": " + text);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    failed(
      event,
      status >= 500 || status === 0
        ? "Not saved — something went wrong on our side; your text is kept. Try again in a moment."
        : "Not saved (error " + status + ") — the charter may have changed elsewhere; your text " +
          "is kept. Copy it before you reload."
    );
  });

  function unreachable(event) {
    failed(event, "Not saved — check your connection; your text is kept.");
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:timeout", unreachable);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncOutline);
  } else {
    syncOutline();
  }
})();
