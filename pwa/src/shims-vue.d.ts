// For typescript-eslint only: its TypeScript program does not read single-file components, so an
// import of a .vue file from a .ts file needs this declaration. vue-tsc resolves .vue files itself
// and never uses it; components' real props and types are checked there.
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent
  export default component
}
