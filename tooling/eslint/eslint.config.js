export default [{ files: ["**/*.js"] }];
