// @ts-check
/**
 * Prettier's defaults (double quotes, semicolons, trailing commas everywhere) are Convoy's
 * style; only the width is wider, as the code already was.
 * @type {import("prettier").Config}
 */
export default { printWidth: 150 };
