// Placeholder of the privacy screen (issue 9): replaced by its own change.
import { h, mount } from './dom.js';

export async function privacyScreen(ctx) {
  mount(ctx.main, h('section', { class: 'panel' }, h('h1', 'Not available yet')));
}
