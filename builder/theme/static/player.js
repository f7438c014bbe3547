// The player of animated figures: play/pause, a frame slider, a frame at a time.
//
// An animation is published as <div class="player"><picture> with the animated WebP as a
// <source> and the GIF as the <img> (feed readers and browsers without WebP show that).
// Here the WebP the browser chose (img.currentSrc: the dark scheme's when the page is dark)
// is decoded frame by frame with WebCodecs' ImageDecoder and drawn on a canvas over the
// image: every frame exactly as the builder drew it, the slider's position the frame shown.
// Where ImageDecoder is missing (or the browser took the GIF), the image plays as before
// and the room kept for the controls goes (class is-still).
//
// Keys, in the player's controls: Left/Right or , and . step a frame (pausing), Home/End go
// to the first and last, Space or k plays and pauses. With prefers-reduced-motion the
// animation does not start by itself: the first frame shows, with the controls.
(function () {
  "use strict";
  var decodes = "ImageDecoder" in window;
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)");

  function button(className, label, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.setAttribute("aria-label", label);
    b.textContent = text;
    return b;
  }

  function Player(holder) {
    var img = holder.querySelector("img");
    var picture = holder.querySelector("picture");
    var self = this;
    this.holder = holder;
    this.img = img;
    this.count = 1;  // until the decoder has read the file
    this.index = 0;
    this.playing = false;
    this.wanted = null;  // the frame to show next (the latest asked for wins)
    this.busy = false;
    this.decoder = null;
    this.src = "";
    this.timer = 0;
    this.visible = true;

    var screen = document.createElement("div");
    screen.className = "player-screen";
    picture.parentNode.insertBefore(screen, picture);
    screen.appendChild(picture);
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", img.getAttribute("alt") || "Animation");
    screen.appendChild(this.canvas);

    var controls = document.createElement("div");
    controls.className = "player-controls";
    controls.setAttribute("role", "group");
    controls.setAttribute("aria-label", "Animation controls");
    this.back = button("player-back", "Previous frame", "\u25C0\u2759");
    this.play = button("player-play", "Play", "\u25B6");
    this.forward = button("player-forward", "Next frame", "\u2759\u25B6");
    // Two Tab stops a player (play and the slider, whose arrows step): a post with six
    // animations would otherwise add twenty-four to the page's Tab order.
    this.back.tabIndex = this.forward.tabIndex = -1;
    this.slider = document.createElement("input");
    this.slider.type = "range";
    this.slider.className = "player-slider";
    this.slider.min = "0";
    this.slider.max = String(this.count - 1);
    this.slider.step = "1";
    this.slider.value = "0";
    this.slider.setAttribute("aria-label", "Frame");
    this.counter = document.createElement("span");
    this.counter.className = "player-counter";
    this.counter.setAttribute("aria-hidden", "true");  // the slider says it (aria-valuetext)
    controls.appendChild(this.back);
    controls.appendChild(this.play);
    controls.appendChild(this.forward);
    controls.appendChild(this.slider);
    controls.appendChild(this.counter);
    holder.appendChild(controls);
    this.label();

    this.play.addEventListener("click", function () { self.toggle(); });
    this.back.addEventListener("click", function () { self.step(-1); });
    this.forward.addEventListener("click", function () { self.step(1); });
    this.slider.addEventListener("input", function () {
      self.pause();
      self.show(parseInt(self.slider.value, 10));
    });
    controls.addEventListener("keydown", function (event) { self.key(event); });
    // The browser picks another source when the scheme changes: decode that one instead.
    img.addEventListener("load", function () { self.load(); });
    if (img.complete && img.currentSrc) this.load();
    if ("IntersectionObserver" in window) {  // no frames drawn for a player out of sight
      new IntersectionObserver(function (entries) {
        self.visible = entries[entries.length - 1].isIntersecting;
        if (self.visible && self.playing) self.schedule(0);
      }).observe(holder);
    }
  }

  Player.prototype.load = function () {
    var src = this.img.currentSrc;
    if (!src || src === this.src) return;
    if (!/\.webp(\?|#|$)/i.test(src)) {  // the browser took the GIF: it plays by itself
      this.still();
      return;
    }
    var self = this;
    var first = !this.src;
    this.src = src;
    fetch(src).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.arrayBuffer();
    }).then(function (data) {
      if (self.src !== src) return null;
      var decoder = new ImageDecoder({data: data, type: "image/webp"});
      return decoder.tracks.ready.then(function () {
        if (self.src !== src) { decoder.close(); return; }
        if (self.decoder) self.decoder.close();
        self.decoder = decoder;
        // frames the builder drew twice in a row are one (shown for both's time), in the
        // GIF as in the WebP: each step of the slider shows a change
        self.count = decoder.tracks.selectedTrack.frameCount || 1;
        self.slider.max = String(self.count - 1);
        self.show(Math.min(self.index, self.count - 1));
        if (first && !reduced.matches) self.start();
      });
    }).catch(function () {
      self.still();  // the image plays as it would without us
    });
  };

  // No player: the image plays by itself, and the controls' room goes.
  Player.prototype.still = function () {
    this.pause();
    this.holder.classList.remove("is-ready");
    this.holder.classList.add("is-still");
  };

  // Draw frame ``index``; while a frame decodes, later requests replace each other.
  Player.prototype.show = function (index) {
    this.wanted = (index + this.count) % this.count;
    this.index = this.wanted;
    this.slider.value = String(this.index);
    this.label();
    if (!this.busy) this.draw();
  };

  Player.prototype.draw = function () {
    if (this.wanted === null || !this.decoder) return;
    var self = this;
    var index = this.wanted;
    var decoder = this.decoder;
    this.wanted = null;
    this.busy = true;
    decoder.decode({frameIndex: index}).then(function (result) {
      var frame = result.image;
      var canvas = self.canvas;
      if (canvas.width !== frame.displayWidth) canvas.width = frame.displayWidth;
      if (canvas.height !== frame.displayHeight) canvas.height = frame.displayHeight;
      canvas.getContext("2d").drawImage(frame, 0, 0);
      self.duration = (frame.duration || 100000) / 1000;  // microseconds to ms
      frame.close();
      self.holder.classList.remove("is-still");
      self.holder.classList.add("is-ready");
      self.holder.setAttribute("data-frame", String(index));
    }).catch(function () { /* a decoder closed by a source change: the new one draws */ })
      .then(function () {
        self.busy = false;
        if (self.wanted !== null) self.draw();
        else if (self.playing) self.schedule(self.duration);
      });
  };

  Player.prototype.label = function () {
    var text = "Frame " + (this.index + 1) + " of " + this.count;
    this.slider.setAttribute("aria-valuetext", text);
    this.counter.textContent = (this.index + 1) + " / " + this.count;
  };

  Player.prototype.schedule = function (delay) {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      if (self.playing && self.visible && !self.busy) self.show(self.index + 1);
    }, delay);
  };

  Player.prototype.start = function () {
    this.playing = true;
    this.play.setAttribute("aria-label", "Pause");
    this.play.textContent = "\u2759\u2759";
    this.holder.classList.add("is-playing");
    this.schedule(this.duration || 0);
  };

  Player.prototype.pause = function () {
    this.playing = false;
    window.clearTimeout(this.timer);
    this.play.setAttribute("aria-label", "Play");
    this.play.textContent = "\u25B6";
    this.holder.classList.remove("is-playing");
  };

  Player.prototype.toggle = function () {
    if (this.playing) this.pause(); else this.start();
  };

  Player.prototype.step = function (by) {
    this.pause();
    this.show(this.index + by);
  };

  Player.prototype.key = function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var onSlider = event.target === this.slider;
    switch (event.key) {
      case "ArrowLeft": case ",":
        if (onSlider && event.key !== ",") return;  // the slider steps by itself
        this.step(-1); break;
      case "ArrowRight": case ".":
        if (onSlider && event.key !== ".") return;
        this.step(1); break;
      case "Home": this.pause(); this.show(0); break;
      case "End": this.pause(); this.show(this.count - 1); break;
      case "k": case "K": this.toggle(); break;
      case " ":
        if (event.target.tagName === "BUTTON") return;  // a button's own click
        this.toggle(); break;
      default: return;
    }
    event.preventDefault();
  };

  function start() {
    var holders = document.querySelectorAll(".player");
    for (var i = 0; i < holders.length; i++) {
      var holder = holders[i];
      if (holder.player || holder.classList.contains("is-still")) continue;  // done before
      // a player inside a link (fig-link) would put buttons in it: the image plays as is
      if (!decodes || holder.closest("a") || !holder.querySelector("picture img")) {
        holder.classList.add("is-still");
        continue;
      }
      holder.player = new Player(holder);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // the preview server patches a page after a rebuild: new animations get their player
  document.addEventListener("build-site:updated", start);
})();
