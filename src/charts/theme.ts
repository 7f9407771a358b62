/**
 * Chart themes. Slack shows an uploaded PNG as-is on either its light or its dark background,
 * so the image carries its own opaque background. The default is `light` (white card, dark
 * text): it reads on both Slack themes, like a photo does, whereas a transparent or dark image
 * loses its axis labels on one of them. `dark` exists for teams that prefer it (Slack's dark
 * surface colour, light text); pick it per deployment or per request.
 */

export type ThemeName = 'light' | 'dark';

export interface Theme {
  name: ThemeName;
  background: string;
  text: string;
  mutedText: string;
  grid: string;
  /** Inbound, outbound, then more series (compare charts). Colour-blind-safe order. */
  palette: readonly string[];
  inbound: string;
  outbound: string;
  band: string;
  anomaly: string;
  threshold: string;
  forecast: string;
  errors: string;
  discards: string;
}

// Okabe–Ito based palette: distinguishable with the common colour-vision deficiencies.
const PALETTE_LIGHT = [
  '#0072B2',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#6b6b6b',
  '#8c564b',
];
const PALETTE_DARK = ['#56B4E9', '#2ECC9A', '#FF8A3D', '#E59ACB', '#F5C242', '#9FD3F5', '#BDBDBD', '#C49A8C'];

export const THEMES: Readonly<Record<ThemeName, Theme>> = {
  light: {
    name: 'light',
    background: '#ffffff',
    text: '#1d1c1d',
    mutedText: '#616061',
    grid: '#e8e8e8',
    palette: PALETTE_LIGHT,
    inbound: PALETTE_LIGHT[0]!,
    outbound: PALETTE_LIGHT[1]!,
    band: 'rgba(0, 114, 178, 0.13)',
    anomaly: '#d0021b',
    threshold: '#b8860b',
    forecast: '#D55E00',
    errors: '#d0021b',
    discards: '#E69F00',
  },
  dark: {
    name: 'dark',
    background: '#1a1d21',
    text: '#e8e8e8',
    mutedText: '#ababad',
    grid: '#35373b',
    palette: PALETTE_DARK,
    inbound: PALETTE_DARK[0]!,
    outbound: PALETTE_DARK[1]!,
    band: 'rgba(86, 180, 233, 0.18)',
    anomaly: '#ff4d6a',
    threshold: '#f5c242',
    forecast: '#FF8A3D',
    errors: '#ff4d6a',
    discards: '#F5C242',
  },
};

export function theme(name: ThemeName | undefined): Theme {
  return THEMES[name ?? 'light'];
}
