import { render } from "preact"
import { App } from "./components/app.js"
import "./style.css"

render(<App />, document.getElementById("app")!)
