import config from "@convoy/eslint-config";

/** The domain folders of `src/`; generic code (`events/`, `lib/`) may import none of them. */
const DOMAINS = ["offers", "chat", "trips", "tracking", "presence", "drivers", "auth", "routers"];

export default [
  ...config,
  {
    files: ["src/events/**/*.ts", "src/lib/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: DOMAINS.flatMap((domain) => [`../${domain}`, `../${domain}/*`]),
              message: "events/ and lib/ name no domain: take what you need as a parameter or a hook registered in createServices.ts.",
            },
          ],
        },
      ],
    },
  },
];
