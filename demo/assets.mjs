// The page's files, read once at start: a plain HTML page, its script and its styles, served
// as they are, with nothing to build.
import { readFileSync } from 'node:fs'

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
}

/**
 * @typedef {object} Asset
 * @property {string} path The URL path it is served at.
 * @property {number} status
 * @property {string} type Its Content-Type.
 * @property {Buffer} body
 */

/** @type {Asset[]} */
export const assets = [
  ['/', 'index.html'],
  ['/app.js', 'app.js'],
  ['/style.css', 'style.css'],
].map(([path, file]) => ({
  path,
  status: 200,
  type: TYPES[/** @type {keyof TYPES} */ (file.slice(file.lastIndexOf('.') + 1))],
  body: readFileSync(new URL(`public/${file}`, import.meta.url)),
}))
