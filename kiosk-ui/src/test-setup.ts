// DOM matchers (toBeInTheDocument, toHaveTextContent, …) for vitest's expect
import "@testing-library/jest-dom/vitest";
