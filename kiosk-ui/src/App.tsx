export function App() {
  return (
    <main>
      <h1>Proxima kiosk</h1>
    </main>
  );
}
