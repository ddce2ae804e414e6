/* Inline SVG artwork for Northwind Outfitters (no image files, no network). */
(function () {
  'use strict';

  // Palette per product: [background, main, accent]
  const PALETTES = [
    ['#e7efe9', '#2f6b4f', '#d9822b'],
    ['#eef0f6', '#3b5b8c', '#e0a43a'],
    ['#f5ede4', '#a3542a', '#2f6b4f'],
    ['#ecf2f3', '#2c6e7a', '#e07a5f'],
    ['#f3eef3', '#6b4c7a', '#e9b44c'],
    ['#f1f1ea', '#5b6b2f', '#c2553d'],
  ];

  const SHAPES = {
    tents: (m, a) => `
      <path d="M8 66 L50 14 L92 66 Z" fill="${m}"/>
      <path d="M50 14 L38 66 L62 66 Z" fill="${a}"/>
      <path d="M50 14 L50 8" stroke="${m}" stroke-width="3" stroke-linecap="round"/>
      <path d="M2 67 H98" stroke="#8a9a90" stroke-width="2" stroke-linecap="round"/>`,
    packs: (m, a) => `
      <rect x="28" y="14" width="44" height="56" rx="12" fill="${m}"/>
      <rect x="33" y="10" width="34" height="18" rx="8" fill="${a}"/>
      <rect x="36" y="40" width="28" height="20" rx="5" fill="#ffffff" opacity=".25"/>
      <path d="M40 44 H60" stroke="#fff" stroke-width="2" opacity=".7"/>`,
    footwear: (m, a) => `
      <path d="M24 14 H48 V44 C62 46 78 50 84 58 V66 H18 V20 Z" fill="${m}"/>
      <path d="M18 62 H84 V68 H18 Z" fill="${a}"/>
      <path d="M30 24 H44 M30 32 H46 M30 40 H48" stroke="#fff" stroke-width="2.5" stroke-linecap="round" opacity=".8"/>`,
    clothing: (m, a) => `
      <path d="M36 10 L50 18 L64 10 L86 22 L80 40 L70 36 V70 H30 V36 L20 40 L14 22 Z" fill="${m}"/>
      <path d="M50 18 V70" stroke="${a}" stroke-width="3"/>
      <path d="M36 10 L50 18 L64 10" stroke="${a}" stroke-width="3" fill="none"/>`,
    sleeping: (m, a) => `
      <path d="M20 22 C20 10 40 8 52 10 L82 16 C92 18 92 62 82 64 L52 70 C40 72 20 70 20 58 Z" fill="${m}"/>
      <ellipse cx="32" cy="40" rx="9" ry="14" fill="${a}"/>
      <path d="M48 14 V66" stroke="#fff" stroke-width="2" stroke-dasharray="3 4" opacity=".7"/>`,
    kitchen: (m, a) => `
      <rect x="22" y="24" width="44" height="42" rx="6" fill="${m}"/>
      <path d="M66 32 C82 32 82 56 66 56" stroke="${m}" stroke-width="6" fill="none"/>
      <rect x="22" y="24" width="44" height="8" rx="3" fill="${a}"/>
      <path d="M34 10 C30 16 38 18 34 22 M46 10 C42 16 50 18 46 22" stroke="#8a9a90" stroke-width="2" fill="none" stroke-linecap="round"/>`,
    gear: (m, a) => `
      <circle cx="50" cy="40" r="18" fill="${m}"/>
      <circle cx="50" cy="40" r="9" fill="${a}"/>
      <path d="M50 8 V16 M50 64 V72 M18 40 H26 M74 40 H82 M27 17 L33 23 M67 57 L73 63 M73 17 L67 23 M33 57 L27 63" stroke="${a}" stroke-width="3" stroke-linecap="round"/>`,
  };

  function productArt(categoryId, seed) {
    const p = PALETTES[(seed || 0) % PALETTES.length];
    const shape = (SHAPES[categoryId] || SHAPES.gear)(p[1], p[2]);
    return `<svg viewBox="0 0 100 80" aria-hidden="true" focusable="false">${shape}</svg>`;
  }

  function thumbStyle(seed) {
    const p = PALETTES[(seed || 0) % PALETTES.length];
    return `background:${p[0]}`;
  }

  const UI = {
    logo: `<svg viewBox="0 0 32 32" aria-hidden="true"><circle cx="16" cy="16" r="15" fill="#d9822b"/><path d="M5 24 L13 11 L18 18 L21 14 L27 24 Z" fill="#fff"/><circle cx="22" cy="9" r="2.5" fill="#fff"/></svg>`,
    cart: `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M3 4h2l2.4 10.2a2 2 0 0 0 2 1.5h7.7a2 2 0 0 0 1.9-1.4L21 8H6.2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/><circle cx="10" cy="20" r="1.5" fill="currentColor"/><circle cx="17" cy="20" r="1.5" fill="currentColor"/></svg>`,
    heart: `<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M12 21s-7.5-4.6-9.5-9.2C1.2 8.6 3.3 5 6.8 5c2 0 3.4 1.1 4.2 2.4h2C13.8 6.1 15.2 5 17.2 5c3.5 0 5.6 3.6 4.3 6.8C19.5 16.4 12 21 12 21z" fill="currentColor"/></svg>`,
    box: `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M3 7l9-4 9 4v10l-9 4-9-4z M3 7l9 4 9-4 M12 11v10" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/></svg>`,
    mountains: `<svg viewBox="0 0 260 120" aria-hidden="true"><path d="M0 120 L70 30 L110 80 L150 20 L260 120 Z" fill="#ffffff" opacity=".25"/><path d="M40 120 L110 55 L150 95 L190 60 L260 120 Z" fill="#ffffff" opacity=".35"/><path d="M150 20 L165 35 L155 38 L147 30 Z" fill="#fff"/><circle cx="215" cy="30" r="14" fill="#ffe2b8"/></svg>`,
  };

  window.NWIcons = { productArt, thumbStyle, UI };
})();
