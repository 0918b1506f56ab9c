// Placeholder of the research screen (issue 9): replaced by its own change.
import { h, mount } from './dom.js';

export async function researchScreen(ctx) {
  mount(ctx.main, h('section', { class: 'panel' }, h('h1', 'Not available yet')));
}
