/* Northwind Outfitters — single-page shop, hash routing, all data in the State API state. */
(function () {
  'use strict';
  const { productArt, thumbStyle, UI } = window.NWIcons;

  let state = null;
  const ui = {
    checkoutShip: 'standard',
    checkoutDraft: null,
    checkoutErrors: {},
    promoMsg: '',
    placed: null,
    toastTimer: null,
    lastPath: null,
  };
  const $header = document.getElementById('header');
  const $main = document.getElementById('main');
  const $overlay = document.getElementById('overlay');

  // ---------- helpers ----------
  const esc = (s) =>
    String(s == null ? '' : s).replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
    );
  const round2 = (n) => Math.round((n + Number.EPSILON) * 100) / 100;
  const money = (n) =>
    '$' +
    Number(n)
      .toFixed(2)
      .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const product = (id) => state.products.find((p) => p.id === Number(id));
  const category = (id) => state.categories.find((c) => c.id === id);
  const persist = () => window.StateAPI.save(state);
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function fmtDate(iso) {
    const [y, m, d] = String(iso).split('-').map(Number);
    return `${MONTHS[m - 1]} ${d}, ${y}`;
  }
  function today() {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }
  function stars(p) {
    const full = Math.round(p.rating);
    return `<span class="stars" title="Rated ${p.rating} out of 5">${'★'.repeat(full)}${'☆'.repeat(5 - full)}<span class="n">${p.rating.toFixed(1)} (${p.reviewCount})</span></span>`;
  }
  function parseHash() {
    const h = location.hash.replace(/^#/, '') || '/';
    const [path, qs] = h.split('?');
    return {
      parts: path.split('/').filter(Boolean).map(decodeURIComponent),
      query: new URLSearchParams(qs || ''),
    };
  }
  function shipParts(label) {
    const m = /^(.*?)\s*\((.*)\)$/.exec(label);
    return m ? { title: m[1], sub: m[2] } : { title: label, sub: '' };
  }

  // ---------- cart maths ----------
  function cartLines() {
    return state.cart.items.map((it) => ({ ...it, product: product(it.productId) })).filter((l) => l.product);
  }
  function couponFor(code) {
    const c = String(code || '')
      .trim()
      .toUpperCase();
    return state.coupons.find((x) => x.code === c) || null;
  }
  function totals(shipMethod) {
    const lines = cartLines();
    const count = lines.reduce((s, l) => s + l.quantity, 0);
    const subtotal = round2(lines.reduce((s, l) => s + l.product.price * l.quantity, 0));
    const coupon = couponFor(state.cart.coupon);
    let discount = 0;
    if (coupon && subtotal >= coupon.minSubtotal) {
      discount =
        coupon.type === 'percent'
          ? round2((subtotal * coupon.value) / 100)
          : Math.min(coupon.value, subtotal);
    }
    let shipping = null;
    if (shipMethod) {
      const opt = state.shippingOptions.find((o) => o.id === shipMethod) || state.shippingOptions[0];
      shipping = opt.price;
      if (opt.id === 'standard' && subtotal - discount >= state.store.freeShippingThreshold) shipping = 0;
    }
    return {
      lines,
      count,
      subtotal,
      coupon,
      discount,
      shipping,
      total: round2(subtotal - discount + (shipping || 0)),
    };
  }

  // ---------- header ----------
  function renderHeader(route) {
    const first = state.user.name.split(' ')[0];
    const q = route.parts[0] === 'search' ? route.query.get('q') || '' : '';
    const activeCat =
      route.parts[0] === 'category'
        ? route.parts[1]
        : route.parts[0] === 'products' && !route.parts[1]
          ? '*'
          : null;
    $header.innerHTML = `
      <div class="topbar"><div class="topbar-inner">
        <a class="logo" href="#/" aria-label="Northwind Outfitters home">${UI.logo}<span>Northwind Outfitters</span></a>
        <form class="search-form" role="search" data-form="search">
          <input type="search" name="q" aria-label="Search products" placeholder="Search tents, boots, jackets…" value="${esc(q)}" autocomplete="off">
          <button type="submit">Search</button>
        </form>
        <nav class="top-links">
          <span class="hello">Hi, ${esc(first)}</span>
          <a href="#/wishlist" aria-label="Wishlist">${UI.heart}Wishlist <span class="badge" data-badge="wish"></span></a>
          <a href="#/orders" aria-label="Orders">${UI.box}Orders</a>
          <a href="#/cart" aria-label="Cart">${UI.cart}Cart <span class="badge" data-badge="cart"></span></a>
        </nav>
      </div></div>
      <div class="catnav"><div class="catnav-inner">
        <a href="#/products" class="${activeCat === '*' ? 'active' : ''}">All products</a>
        ${state.categories.map((c) => `<a href="#/category/${c.id}" class="${activeCat === c.id ? 'active' : ''}">${esc(c.name)}</a>`).join('')}
      </div></div>`;
    updateBadges();
  }
  function updateBadges() {
    const cartCount = state.cart.items.reduce((s, i) => s + i.quantity, 0);
    const b = $header.querySelector('[data-badge=cart]');
    const w = $header.querySelector('[data-badge=wish]');
    if (b) {
      b.textContent = cartCount;
      b.style.display = cartCount ? '' : 'none';
    }
    if (w) {
      w.textContent = state.wishlist.length;
      w.style.display = state.wishlist.length ? '' : 'none';
    }
  }

  // ---------- views ----------
  function card(p, opts = {}) {
    const c = category(p.categoryId);
    return `<div class="card">
      <div class="thumb" style="${thumbStyle(p.id)}">${productArt(p.categoryId, p.id)}</div>
      <div class="body">
        <span class="cat">${esc(c.name)}</span>
        <a class="name" href="#/products/${p.id}">${esc(p.name)}</a>
        ${stars(p)}
        <div class="row">
          <span class="price">${money(p.price)}</span>
          <button class="btn small" data-action="add" data-id="${p.id}" aria-label="Add ${esc(p.name)} to cart">Add to cart</button>
        </div>
        ${opts.wish ? `<button class="linkbtn danger" data-action="unwish" data-id="${p.id}" aria-label="Remove ${esc(p.name)} from wishlist">Remove from wishlist</button>` : ''}
      </div>
    </div>`;
  }

  function homeView() {
    const featured = state.products.filter((p) => p.featured).slice(0, 8);
    return `
      <section class="hero">
        <div>
          <h1>Gear up for the trail season</h1>
          <p>Tents, packs, boots and layers tested by our team in the Cascades. Free standard shipping on orders over ${money(state.store.freeShippingThreshold)}.</p>
          <p>Use code <span class="code">TRAIL15</span> at checkout for 15% off your order.</p>
        </div>
        ${UI.mountains}
      </section>
      <div class="section-head"><h2>Shop by category</h2></div>
      <div class="cat-tiles">
        ${state.categories
          .map((c, i) => {
            const p = state.products.find((x) => x.categoryId === c.id);
            return `<a class="cat-tile" href="#/category/${c.id}" aria-label="Shop ${esc(c.name)}"><div class="thumb" style="${thumbStyle(i)}">${productArt(c.id, i)}</div>${esc(c.name)}</a>`;
          })
          .join('')}
      </div>
      <div class="section-head"><h2>Bestsellers</h2><a href="#/products">View all products</a></div>
      <div class="grid">${featured.map((p) => card(p)).join('')}</div>`;
  }

  const SORTS = [
    ['featured', 'Featured'],
    ['price-asc', 'Price: low to high'],
    ['price-desc', 'Price: high to low'],
    ['rating', 'Top rated'],
    ['name', 'Name (A–Z)'],
  ];
  function listingView(route, { cat, q }) {
    let items = state.products.slice();
    let title = 'All products';
    if (cat) {
      const c = category(cat);
      if (!c) return notFound();
      items = items.filter((p) => p.categoryId === cat);
      title = c.name;
    }
    if (q != null) {
      const toks = q.toLowerCase().split(/\s+/).filter(Boolean);
      items = items.filter((p) => {
        const hay = [p.name, p.description, category(p.categoryId).name, p.features.join(' '), p.sku]
          .join(' ')
          .toLowerCase();
        return toks.every((t) => hay.includes(t));
      });
      title = `Results for “${q}”`;
    }
    const sort = route.query.get('sort') || 'featured';
    const cmp =
      {
        featured: (a, b) => a.id - b.id,
        'price-asc': (a, b) => a.price - b.price,
        'price-desc': (a, b) => b.price - a.price,
        rating: (a, b) => b.rating - a.rating || b.reviewCount - a.reviewCount,
        name: (a, b) => a.name.localeCompare(b.name),
      }[sort] || ((a, b) => a.id - b.id);
    items.sort(cmp);
    const counts = {};
    state.products.forEach((p) => {
      counts[p.categoryId] = (counts[p.categoryId] || 0) + 1;
    });
    return `
      <div class="layout">
        <aside class="sidebar">
          <h3>Categories</h3>
          <ul>
            <li><a href="#/products" class="${!cat && q == null ? 'active' : ''}"><span>All products</span><span class="count">${state.products.length}</span></a></li>
            ${state.categories.map((c) => `<li><a href="#/category/${c.id}" class="${cat === c.id ? 'active' : ''}"><span>${esc(c.name)}</span><span class="count">${counts[c.id] || 0}</span></a></li>`).join('')}
          </ul>
          <h3>Need help?</h3>
          <p class="cat" style="margin:0;font-size:12px;color:var(--muted)">Our gear experts answer within a day. Free returns within 60 days.</p>
        </aside>
        <section>
          <div class="list-head">
            <div><h1>${esc(title)}</h1><div class="meta">${items.length} ${items.length === 1 ? 'product' : 'products'}</div></div>
            <div class="sort"><label for="sort">Sort by</label>
              <select id="sort">${SORTS.map(([v, l]) => `<option value="${v}" ${v === sort ? 'selected' : ''}>${l}</option>`).join('')}</select>
            </div>
          </div>
          ${items.length ? `<div class="grid">${items.map((p) => card(p)).join('')}</div>` : `<div class="empty">No products match your search. Try “tent”, “jacket” or “headlamp”.</div>`}
        </section>
      </div>`;
  }

  function productView(id) {
    const p = product(id);
    if (!p) return notFound();
    const c = category(p.categoryId);
    const inWish = state.wishlist.includes(p.id);
    const low = p.stock > 0 && p.stock <= 10;
    const related = state.products.filter((x) => x.categoryId === p.categoryId && x.id !== p.id).slice(0, 4);
    return `
      <div class="crumbs"><a href="#/">Home</a> › <a href="#/category/${c.id}">${esc(c.name)}</a> › ${esc(p.name)}</div>
      <div class="pdp">
        <div class="thumb" style="${thumbStyle(p.id)}">${productArt(p.categoryId, p.id)}</div>
        <div>
          <span class="cat" style="color:var(--muted);font-size:12px">${esc(c.name)} · SKU ${esc(p.sku)}</span>
          <h1>${esc(p.name)}</h1>
          ${stars(p)}
          <div class="price">${money(p.price)}</div>
          <div class="stock ${low ? 'low' : ''}">${p.stock === 0 ? 'Out of stock' : low ? `Only ${p.stock} left in stock` : `In stock — ${p.stock} available`}</div>
          <p class="desc">${esc(p.description)}</p>
          <ul class="features">${p.features.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>
          <form class="buybox" data-form="buy" data-id="${p.id}">
            <div class="field"><label for="pdp-qty">Quantity</label><input id="pdp-qty" class="qty" type="number" min="1" max="${p.stock}" value="1"></div>
            <button class="btn" type="submit" ${p.stock === 0 ? 'disabled' : ''}>Add to cart</button>
            <button class="btn accent" type="button" data-action="buynow" data-id="${p.id}" ${p.stock === 0 ? 'disabled' : ''}>Buy now</button>
            <button class="btn secondary" type="button" data-action="wish" data-id="${p.id}">${UI.heart}${inWish ? 'Remove from wishlist' : 'Add to wishlist'}</button>
          </form>
          <table class="specs">
            <tr><td>Weight</td><td>${esc(p.weight)}</td></tr>
            <tr><td>Category</td><td>${esc(c.name)}</td></tr>
            <tr><td>Shipping</td><td>Ships in 1–2 business days · free standard shipping over ${money(state.store.freeShippingThreshold)}</td></tr>
          </table>
        </div>
      </div>
      ${related.length ? `<div class="related"><div class="section-head"><h2>More in ${esc(c.name)}</h2></div><div class="grid">${related.map((x) => card(x)).join('')}</div></div>` : ''}`;
  }

  function summaryHTML(ctx) {
    const t = totals(ctx === 'checkout' ? ui.checkoutShip : null);
    const row = (l, v, cls = '') =>
      `<div class="summary-row ${cls}"><span>${l}</span><span>${v}</span></div>`;
    let promo;
    if (t.coupon) {
      promo = `<div class="promo-applied"><span><strong>${esc(t.coupon.code)}</strong> — ${esc(t.coupon.description)}</span>
        <button class="linkbtn" data-action="unpromo" aria-label="Remove promo code">Remove</button></div>
        ${t.discount === 0 ? `<div class="msg error">Add ${money(t.coupon.minSubtotal - t.subtotal)} more to use this code.</div>` : ''}`;
    } else {
      promo = `<form class="promo" data-form="promo">
          <div class="field"><label for="promo-code">Promo code</label><input id="promo-code" type="text" autocomplete="off" placeholder="e.g. TRAIL15"></div>
          <button class="btn secondary" type="submit">Apply</button>
        </form>
        ${ui.promoMsg ? `<div class="msg error" role="alert">${esc(ui.promoMsg)}</div>` : ''}`;
    }
    let ship;
    if (ctx === 'checkout') ship = t.shipping === 0 ? 'FREE' : money(t.shipping);
    else
      ship =
        t.subtotal - t.discount >= state.store.freeShippingThreshold
          ? 'FREE (standard)'
          : 'Calculated at checkout';
    return `<div class="panel">
      <h2>Order summary</h2>
      ${ctx === 'checkout' ? `<ul class="mini-items">${t.lines.map((l) => `<li><span>${l.quantity} × ${esc(l.product.name)}</span><span>${money(l.product.price * l.quantity)}</span></li>`).join('')}</ul>` : ''}
      ${row(`Subtotal (${t.count} ${t.count === 1 ? 'item' : 'items'})`, money(t.subtotal))}
      ${promo}
      ${t.discount > 0 ? row(`Discount (${esc(t.coupon.code)})`, '−' + money(t.discount), 'discount') : ''}
      ${row('Shipping', ship)}
      ${row(ctx === 'checkout' ? 'Order total' : 'Estimated total', money(ctx === 'checkout' ? t.total : round2(t.subtotal - t.discount)), 'total')}
      <div style="margin-top:12px">
        ${
          ctx === 'checkout'
            ? `<button class="btn accent block" type="submit" form="checkout-form">Place order</button>`
            : `<button class="btn accent block" type="button" data-action="go-checkout">Proceed to checkout</button>`
        }
      </div>
    </div>`;
  }

  function cartView() {
    const lines = cartLines();
    if (!lines.length) {
      return `<h1>Your cart</h1><div class="empty">Your cart is empty. <a href="#/products">Browse all products</a></div>`;
    }
    return `
      <h1>Your cart</h1>
      <div class="two-col">
        <div class="panel">
          <table class="cart-table">
            <thead><tr><th></th><th>Product</th><th class="num">Price</th><th>Quantity</th><th class="num">Total</th><th></th></tr></thead>
            <tbody>
              ${lines
                .map(
                  (l) => `<tr>
                <td><div class="thumb" style="${thumbStyle(l.product.id)}">${productArt(l.product.categoryId, l.product.id)}</div></td>
                <td><a href="#/products/${l.product.id}">${esc(l.product.name)}</a><div style="color:var(--muted);font-size:12px">${esc(category(l.product.categoryId).name)} · ${l.product.stock} in stock</div></td>
                <td class="num">${money(l.product.price)}</td>
                <td><input class="qty" type="number" min="1" max="${l.product.stock}" value="${l.quantity}" data-qty="${l.product.id}" aria-label="Quantity for ${esc(l.product.name)}"></td>
                <td class="num" data-linetotal="${l.product.id}">${money(l.product.price * l.quantity)}</td>
                <td><button class="linkbtn danger" data-action="remove" data-id="${l.product.id}" aria-label="Remove ${esc(l.product.name)} from cart">Remove</button></td>
              </tr>`,
                )
                .join('')}
            </tbody>
          </table>
          <div style="margin-top:12px"><a href="#/products">← Continue shopping</a></div>
        </div>
        <aside id="summary">${summaryHTML('cart')}</aside>
      </div>`;
  }

  function field(id, label, value, cls = '') {
    const err = ui.checkoutErrors[id];
    return `<div class="field ${cls}"><label for="${id}">${label}</label><input id="${id}" type="text" value="${esc(value)}" autocomplete="off">${err ? `<span class="err">${esc(err)}</span>` : ''}</div>`;
  }
  function checkoutView() {
    const lines = cartLines();
    if (!lines.length)
      return `<h1>Checkout</h1><div class="empty">Your cart is empty. <a href="#/products">Browse all products</a></div>`;
    const d = ui.checkoutDraft || {
      ...state.user.address,
      email: state.user.email,
      payment: state.user.paymentMethods[0],
    };
    const t = totals(ui.checkoutShip);
    return `
      <div class="crumbs"><a href="#/cart">Cart</a> › Checkout</div>
      <h1>Checkout</h1>
      <div class="two-col">
        <form id="checkout-form" data-form="checkout" novalidate>
          <div class="panel">
            <h2>Shipping address</h2>
            <div class="form-grid">
              ${field('co-name', 'Full name', d.name)}
              ${field('co-email', 'Email', d.email)}
              ${field('co-street', 'Street address', d.street, 'wide')}
            </div>
            <div class="form-grid addr" style="margin-top:10px">
              ${field('co-city', 'City', d.city)}
              ${field('co-state', 'State', d.state)}
              ${field('co-zip', 'ZIP code', d.zip)}
            </div>
          </div>
          <div class="panel">
            <h2>Shipping method</h2>
            <div class="ship-opts">
              ${state.shippingOptions
                .map((o) => {
                  const s = shipParts(o.label);
                  const free =
                    o.id === 'standard' && t.subtotal - t.discount >= state.store.freeShippingThreshold;
                  const checked = ui.checkoutShip === o.id;
                  return `<label class="ship-opt ${checked ? 'checked' : ''}">
                  <input type="radio" name="ship" value="${o.id}" ${checked ? 'checked' : ''} aria-label="${esc(s.title)}">
                  <span class="lbl">${esc(s.title)}<small>${esc(s.sub)}</small></span>
                  <strong>${free ? 'FREE' : money(o.price)}</strong>
                </label>`;
                })
                .join('')}
            </div>
          </div>
          <div class="panel">
            <h2>Payment</h2>
            <div class="field"><label for="co-payment">Payment method</label>
              <select id="co-payment">${state.user.paymentMethods.map((m) => `<option ${m === d.payment ? 'selected' : ''}>${esc(m)}</option>`).join('')}</select>
            </div>
          </div>
        </form>
        <aside id="summary">${summaryHTML('checkout')}</aside>
      </div>`;
  }

  function ordersView() {
    const orders = state.orders.slice().sort((a, b) => b.id.localeCompare(a.id));
    if (!orders.length)
      return `<h1>Your orders</h1><div class="empty">You haven't placed any orders yet.</div>`;
    return `
      <div class="list-head"><div><h1>Your orders</h1><div class="meta">${orders.length} orders · signed in as ${esc(state.user.email)}</div></div></div>
      <table class="orders-table">
        <thead><tr><th>Order</th><th>Placed</th><th>Items</th><th>Ship to</th><th>Status</th><th style="text-align:right">Total</th></tr></thead>
        <tbody>${orders
          .map((o) => {
            const n = o.items.reduce((s, i) => s + i.quantity, 0);
            const first = o.items[0] ? o.items[0].name : '';
            const more = o.items.length > 1 ? ` + ${o.items.length - 1} more` : '';
            return `<tr>
            <td><a href="#/orders/${esc(o.id)}">${esc(o.id)}</a></td>
            <td>${fmtDate(o.date)}</td>
            <td>${esc(first)}${more} <span style="color:var(--muted)">(${n} ${n === 1 ? 'item' : 'items'})</span></td>
            <td>${esc(o.address.city)}, ${esc(o.address.state)}</td>
            <td><span class="status ${esc(o.status)}">${esc(o.status)}</span></td>
            <td style="text-align:right;font-weight:600">${money(o.total)}</td>
          </tr>`;
          })
          .join('')}</tbody>
      </table>`;
  }

  function orderView(id) {
    const o = state.orders.find((x) => x.id === id);
    if (!o) return notFound();
    const row = (l, v, cls = '') =>
      `<div class="summary-row ${cls}"><span>${l}</span><span>${v}</span></div>`;
    const s = shipParts(o.shipping.label);
    return `
      ${ui.placed === o.id ? `<div class="notice" role="status">Thank you! Your order ${esc(o.id)} has been placed. A confirmation email is on its way to ${esc(o.email)}.</div>` : ''}
      <div class="crumbs"><a href="#/orders">Your orders</a> › ${esc(o.id)}</div>
      <div class="list-head">
        <div><h1>Order ${esc(o.id)}</h1><div class="meta">Placed on ${fmtDate(o.date)} · <span class="status ${esc(o.status)}">${esc(o.status)}</span></div></div>
        ${o.status === 'Processing' ? `<button class="btn secondary" data-action="cancel-order" data-id="${esc(o.id)}">Cancel order</button>` : ''}
      </div>
      <div class="order-grid">
        <div class="panel"><h3>Ship to</h3>${esc(o.address.name)}<br>${esc(o.address.street)}<br>${esc(o.address.city)}, ${esc(o.address.state)} ${esc(o.address.zip)}</div>
        <div class="panel"><h3>Shipping method</h3>${esc(s.title)}<br><span style="color:var(--muted)">${esc(s.sub)}</span></div>
        <div class="panel"><h3>Payment</h3>${esc(o.payment)}<br><span style="color:var(--muted)">${esc(o.email)}</span></div>
      </div>
      <div class="two-col">
        <div class="panel">
          <table class="cart-table">
            <thead><tr><th></th><th>Product</th><th class="num">Price</th><th class="num">Qty</th><th class="num">Total</th></tr></thead>
            <tbody>${o.items
              .map((i) => {
                const p = product(i.productId);
                return `<tr>
                <td>${p ? `<div class="thumb" style="${thumbStyle(p.id)}">${productArt(p.categoryId, p.id)}</div>` : ''}</td>
                <td>${p ? `<a href="#/products/${p.id}">${esc(i.name)}</a>` : esc(i.name)}</td>
                <td class="num">${money(i.price)}</td><td class="num">${i.quantity}</td><td class="num">${money(i.price * i.quantity)}</td>
              </tr>`;
              })
              .join('')}</tbody>
          </table>
        </div>
        <div class="panel">
          <h2>Payment summary</h2>
          ${row('Subtotal', money(o.subtotal))}
          ${o.discount > 0 ? row(`Discount (${esc(o.coupon || 'promo')})`, '−' + money(o.discount), 'discount') : ''}
          ${row('Shipping', o.shipping.cost === 0 ? 'FREE' : money(o.shipping.cost))}
          ${row('Order total', money(o.total), 'total')}
        </div>
      </div>`;
  }

  function wishlistView() {
    const items = state.wishlist.map(product).filter(Boolean);
    return `<div class="list-head"><div><h1>Your wishlist</h1><div class="meta">${items.length} saved ${items.length === 1 ? 'item' : 'items'}</div></div></div>
      ${items.length ? `<div class="grid">${items.map((p) => card(p, { wish: true })).join('')}</div>` : `<div class="empty">Nothing saved yet. Tap “Add to wishlist” on any product.</div>`}`;
  }

  function notFound() {
    return `<div class="empty"><h2>Page not found</h2><p>We couldn't find that page. <a href="#/">Back to the shop</a></p></div>`;
  }

  // ---------- render ----------
  function render() {
    if (!state) return;
    const route = parseHash();
    const path = route.parts.join('/');
    if (path !== ui.lastPath) {
      ui.promoMsg = '';
      ui.checkoutErrors = {};
      if (route.parts[0] !== 'checkout') ui.checkoutDraft = null;
      if (!(route.parts[0] === 'orders' && route.parts[1] === ui.placed)) ui.placed = null;
    }
    $overlay.innerHTML = '';
    renderHeader(route);
    const [a, b] = route.parts;
    let html;
    if (!a) html = homeView();
    else if (a === 'products') html = b ? productView(b) : listingView(route, {});
    else if (a === 'category') html = listingView(route, { cat: b });
    else if (a === 'search') html = listingView(route, { q: route.query.get('q') || '' });
    else if (a === 'cart') html = cartView();
    else if (a === 'checkout') html = checkoutView();
    else if (a === 'orders') html = b ? orderView(b) : ordersView();
    else if (a === 'wishlist') html = wishlistView();
    else html = notFound();
    $main.innerHTML = html;
    document.title = titleFor(route) + ' · Northwind Outfitters';
    if (path !== ui.lastPath) window.scrollTo(0, 0);
    ui.lastPath = path;
  }
  function titleFor(route) {
    const [a, b] = route.parts;
    if (!a) return 'Home';
    if (a === 'products' && b) return (product(b) || {}).name || 'Product';
    if (a === 'category') return (category(b) || {}).name || 'Category';
    return (
      {
        products: 'All products',
        search: 'Search',
        cart: 'Cart',
        checkout: 'Checkout',
        orders: b ? `Order ${b}` : 'Orders',
        wishlist: 'Wishlist',
      }[a] || 'Not found'
    );
  }
  function rerenderSummary() {
    const el = document.getElementById('summary');
    if (el) el.innerHTML = summaryHTML(parseHash().parts[0] === 'checkout' ? 'checkout' : 'cart');
  }

  // ---------- actions ----------
  function toast(text, withCartLink) {
    clearTimeout(ui.toastTimer);
    let el = document.getElementById('toast');
    if (!el) {
      el = document.createElement('div');
      el.id = 'toast';
      el.className = 'toast';
      el.setAttribute('role', 'status');
      document.body.appendChild(el);
    }
    el.innerHTML = `<span>${esc(text)}</span>${withCartLink ? '<a href="#/cart">View cart</a>' : ''}`;
    el.style.display = 'flex';
    ui.toastTimer = setTimeout(() => {
      el.style.display = 'none';
    }, 4000);
  }
  function addToCart(id, qty) {
    const p = product(id);
    if (!p) return;
    qty = Math.max(1, Math.floor(Number(qty)) || 1);
    const line = state.cart.items.find((i) => i.productId === p.id);
    const next = Math.min(p.stock, (line ? line.quantity : 0) + qty);
    if (line) line.quantity = next;
    else state.cart.items.push({ productId: p.id, quantity: next });
    persist();
    updateBadges();
    toast(`Added ${qty} × ${p.name} to your cart.`, true);
  }
  function pdpQty() {
    const el = document.getElementById('pdp-qty');
    return el ? Number(el.value) : 1;
  }
  function onQty(input, commit) {
    const id = Number(input.dataset.qty);
    const line = state.cart.items.find((i) => i.productId === id);
    const p = product(id);
    if (!line || !p) return;
    let v = parseInt(input.value, 10);
    if (!(v >= 1)) {
      if (commit) input.value = line.quantity;
      return;
    }
    if (v > p.stock) {
      v = p.stock;
      if (commit) input.value = v;
    }
    if (v !== line.quantity) {
      line.quantity = v;
      persist();
    }
    const cell = document.querySelector(`[data-linetotal="${id}"]`);
    if (cell) cell.textContent = money(p.price * line.quantity);
    updateBadges();
    rerenderSummary();
  }
  function applyPromo(form) {
    const code = form.querySelector('input').value.trim().toUpperCase();
    const c = couponFor(code);
    const t = totals(null);
    if (!code) ui.promoMsg = 'Enter a promo code.';
    else if (!c) ui.promoMsg = `“${code}” isn't a valid promo code.`;
    else if (t.subtotal < c.minSubtotal)
      ui.promoMsg = `${c.code} needs a subtotal of at least ${money(c.minSubtotal)}.`;
    else {
      ui.promoMsg = '';
      state.cart.coupon = c.code;
      persist();
    }
    rerenderSummary();
  }
  function placeOrder(form) {
    const val = (id) => form.querySelector('#' + id).value.trim();
    const d = {
      name: val('co-name'),
      email: val('co-email'),
      street: val('co-street'),
      city: val('co-city'),
      state: val('co-state').toUpperCase(),
      zip: val('co-zip'),
      payment: form.querySelector('#co-payment').value,
    };
    const errors = {};
    if (!d.name) errors['co-name'] = 'Enter the recipient’s name.';
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(d.email)) errors['co-email'] = 'Enter a valid email address.';
    if (!d.street) errors['co-street'] = 'Enter a street address.';
    if (!d.city) errors['co-city'] = 'Enter a city.';
    if (!/^[A-Z]{2}$/.test(d.state)) errors['co-state'] = 'Use a 2-letter state code.';
    if (!/^\d{5}(-\d{4})?$/.test(d.zip)) errors['co-zip'] = 'Enter a 5-digit ZIP code.';
    ui.checkoutDraft = d;
    ui.checkoutErrors = errors;
    if (Object.keys(errors).length) {
      render();
      return;
    }
    const t = totals(ui.checkoutShip);
    if (!t.lines.length) return;
    const opt = state.shippingOptions.find((o) => o.id === ui.checkoutShip);
    const id = 'NW-' + state.nextOrderNumber;
    state.nextOrderNumber += 1;
    state.orders.push({
      id,
      date: today(),
      status: 'Processing',
      items: t.lines.map((l) => ({
        productId: l.product.id,
        name: l.product.name,
        price: l.product.price,
        quantity: l.quantity,
      })),
      subtotal: t.subtotal,
      discount: t.discount,
      coupon: t.discount > 0 ? t.coupon.code : null,
      shipping: { method: opt.id, label: opt.label, cost: t.shipping },
      total: t.total,
      address: { name: d.name, street: d.street, city: d.city, state: d.state, zip: d.zip },
      email: d.email,
      payment: d.payment,
    });
    t.lines.forEach((l) => {
      l.product.stock = Math.max(0, l.product.stock - l.quantity);
    });
    state.cart = { items: [], coupon: null };
    persist();
    ui.placed = id;
    ui.checkoutDraft = null;
    ui.checkoutShip = 'standard';
    location.hash = '#/orders/' + id;
  }
  function openCancel(id) {
    $overlay.innerHTML = `<div class="modal-back"><div class="modal" role="dialog" aria-modal="true" aria-labelledby="m-title">
      <h2 id="m-title">Cancel order ${esc(id)}?</h2>
      <p>This order hasn't shipped yet, so it can still be cancelled. Your card won't be charged.</p>
      <div class="actions"><button class="btn secondary" data-action="close-modal">Keep order</button>
      <button class="btn danger" data-action="confirm-cancel" data-id="${esc(id)}">Yes, cancel order</button></div></div></div>`;
  }

  document.addEventListener('click', (e) => {
    const t = e.target.closest('[data-action]');
    if (!t) return;
    const id = t.dataset.id;
    switch (t.dataset.action) {
      case 'add':
        addToCart(id, 1);
        break;
      case 'buynow':
        addToCart(id, pdpQty());
        location.hash = '#/checkout';
        break;
      case 'wish':
      case 'unwish': {
        const n = Number(id);
        const had = state.wishlist.includes(n);
        state.wishlist = had ? state.wishlist.filter((x) => x !== n) : state.wishlist.concat(n);
        persist();
        render();
        toast(had ? 'Removed from your wishlist.' : 'Saved to your wishlist.', false);
        break;
      }
      case 'remove':
        state.cart.items = state.cart.items.filter((i) => i.productId !== Number(id));
        persist();
        render();
        break;
      case 'unpromo':
        state.cart.coupon = null;
        persist();
        rerenderSummary();
        break;
      case 'go-checkout':
        location.hash = '#/checkout';
        break;
      case 'cancel-order':
        openCancel(id);
        break;
      case 'close-modal':
        $overlay.innerHTML = '';
        break;
      case 'confirm-cancel': {
        const o = state.orders.find((x) => x.id === id);
        if (o && o.status === 'Processing') {
          o.status = 'Cancelled';
          o.items.forEach((i) => {
            const p = product(i.productId);
            if (p) p.stock += i.quantity;
          });
          persist();
        }
        render();
        toast(`Order ${id} was cancelled.`, false);
        break;
      }
      default:
        break;
    }
  });
  document.addEventListener('input', (e) => {
    if (e.target.matches('[data-qty]')) onQty(e.target, false);
  });
  document.addEventListener('change', (e) => {
    const el = e.target;
    if (el.matches('[data-qty]')) onQty(el, true);
    else if (el.matches('input[name=ship]')) {
      ui.checkoutShip = el.value;
      document.querySelectorAll('.ship-opt').forEach((l) => l.classList.toggle('checked', l.contains(el)));
      rerenderSummary();
    } else if (el.id === 'sort') {
      const r = parseHash();
      r.query.set('sort', el.value);
      location.hash = '#/' + r.parts.map(encodeURIComponent).join('/') + '?' + r.query.toString();
    }
  });
  document.addEventListener('submit', (e) => {
    const f = e.target.closest('form[data-form]');
    if (!f) return;
    e.preventDefault();
    switch (f.dataset.form) {
      case 'search': {
        const q = f.querySelector('input').value.trim();
        location.hash = q ? '#/search?q=' + encodeURIComponent(q) : '#/products';
        break;
      }
      case 'buy':
        addToCart(f.dataset.id, pdpQty());
        break;
      case 'promo':
        applyPromo(f);
        break;
      case 'checkout':
        placeOrder(f);
        break;
      default:
        break;
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && $overlay.innerHTML) $overlay.innerHTML = '';
  });
  window.addEventListener('hashchange', render);

  window.StateAPI.load()
    .then((s) => {
      state = s;
      render();
    })
    .catch((err) => {
      console.error(err);
      $main.innerHTML = '<div class="empty">Could not load the shop. Please try again later.</div>';
    });
})();
