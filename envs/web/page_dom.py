"""The DOM walk for ordinary web pages: the tree ``core.getDOMInfo()`` gives on MiniWoB++ pages, from any page.

MiniWoB++ task pages carry their own DOM walk (``core.getDOMInfo()``, in the task's ``core.js``).
Other sites (the shop in :mod:`agentgym.envs.shop`) do not, so :data:`DOM_INFO_JS` reads them
into the same shape, and :func:`~agentgym.envs.web.dom.flatten` and
:func:`~agentgym.envs.web.dom.render` turn either into the same text view::

    {tag: "A", ref: 12, text: "Next >", id: "", classes: "", focused: false,
     left, top, width, height, bgColor, value?, children: [...]}

Like ``core.getDOMInfo()``: elements of zero size are left out with their subtree; an element
whose children are all text gets that text, otherwise loose text runs become ``t`` children
(negative references, renumbered on every read); inputs are tagged ``INPUT_<type>`` with their
value (``checked`` for checkboxes and radios); an image's text is its ``alt`` (the MiniWoB++ env
adds that to ``core.getDOMInfo()`` too). Unlike it: ``<script>``, ``<style>``, ``<head>``
and the like, and elements hidden by ``visibility`` are skipped too, and ``skipIds`` names
elements to leave out (MiniWoB skips its ``#query`` the same way, since the instruction is shown
apart).

References are stored on the elements as :data:`REF_ATTRIBUTE` the first time the walk sees
them, counting from 1 in document order: stable while the page stays, deterministic for a
given page, and reachable by the selector :func:`ref_selector` (Playwright locators).
"""

from __future__ import annotations

__all__ = ["DOM_INFO_JS", "REF_ATTRIBUTE", "ref_selector"]

#: The attribute the walk writes each element's reference into.
REF_ATTRIBUTE = "data-agentgym-ref"

#: ``(skipIds: string[]) => tree``; evaluate with Playwright's ``page.evaluate(DOM_INFO_JS, skip_ids)``.
DOM_INFO_JS = """(skipIds) => {
  const ATTR = '%s';
  const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'HEAD', 'META', 'TITLE', 'NOSCRIPT', 'TEMPLATE', 'LINK']);
  const skip = new Set(skipIds || []);
  if (window.__agentgymNextRef === undefined) window.__agentgymNextRef = 1;
  let loose = 0;
  function walk(el) {
    if (SKIP_TAGS.has(el.tagName) || (el.id && skip.has(el.id))) return undefined;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return undefined;
    const style = window.getComputedStyle(el);
    if (style.visibility === 'hidden') return undefined;
    let ref = el.getAttribute(ATTR);
    if (ref === null) {
      ref = String(window.__agentgymNextRef++);
      el.setAttribute(ATTR, ref);
    }
    const info = {
      tag: el.tagName, ref: Number(ref), id: el.id || '', classes: el.getAttribute('class') || '',
      left: rect.left, top: rect.top, width: rect.width, height: rect.height,
      bgColor: style.backgroundColor, children: [],
    };
    if (document.activeElement === el) info.focused = true;
    if (el instanceof HTMLInputElement) {
      info.tag += '_' + el.type;
      info.value = (el.type === 'checkbox' || el.type === 'radio') ? el.checked : el.value;
    } else if (el instanceof HTMLTextAreaElement) {
      info.value = el.value;
    }
    const kids = [];
    let textOnly = true;
    el.childNodes.forEach((child) => {
      if (child.nodeType === Node.TEXT_NODE) {
        if (!/^\\s*$/.test(child.data)) kids.push(child);
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        kids.push(child);
        textOnly = false;
      }
    });
    if (el instanceof HTMLImageElement) {
      info.text = el.alt || '';
    } else if (textOnly) {
      info.text = kids.map((t) => t.data.trim()).join(' ');
    } else {
      for (const child of kids) {
        if (child.nodeType === Node.TEXT_NODE) {
          info.children.push({tag: 't', ref: -(++loose), text: child.data.trim(), children: []});
        } else {
          const sub = walk(child);
          if (sub !== undefined) info.children.push(sub);
        }
      }
    }
    return info;
  }
  return document.body ? walk(document.body) : null;
}""" % REF_ATTRIBUTE


def ref_selector(ref: int) -> str:
    """The CSS selector of the element with reference ``ref`` (after a walk has numbered it)."""
    return f'[{REF_ATTRIBUTE}="{int(ref)}"]'
