export function App() {
  return (
    <main>
      <h1>Proxima dashboard</h1>
    </main>
  );
}
