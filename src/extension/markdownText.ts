// Names from the network inside Markdown tooltips: shown as text, never as links, images or emphasis.
import { displayText } from '../core/api';

export const inertMarkdown = (s: string): string => displayText(s).replace(/[\\`*_{}[\]()#+\-.!|<>~$&]/g, '\\$&');
